using Pipeline.Functions.Hosting;
using Pipeline.Functions.IngestContent;

await FunctionHost.RunAsync<IngestContentFunction>(args);

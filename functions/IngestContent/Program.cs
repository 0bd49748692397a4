using Pipeline.Functions.IngestContent;
using Pipeline.Functions.Hosting;

await FunctionHost.RunAsync<IngestContentFunction>(args);

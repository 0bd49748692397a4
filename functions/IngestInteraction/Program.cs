using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.Hosting;

await FunctionHost.RunAsync<IngestInteractionFunction>(args);

using Pipeline.Functions.Hosting;
using Pipeline.Functions.IngestInteraction;

await FunctionHost.RunAsync<IngestInteractionFunction>(args);

using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.Hosting;

await FunctionHost.RunAsync<BackfillCsvFunction>(args);

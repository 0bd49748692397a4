using Pipeline.Functions.Hosting;
using Pipeline.Functions.UserContent;

await FunctionHost.RunAsync<UserContentFunction>(args);

using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>IAM v1: service accounts (found by email or unique id).</summary>
internal sealed class IamApi : ICloudApi
{
    public string Name => "iam";

    public ApiAnswer? Handle(ApiRoute r)
    {
        if (r.Is("GET", "/v1/projects/(?<p>[^/]+)/serviceAccounts/(?<email>[^/:]+)"))
        {
            return r.Enter("iam.projects.serviceAccounts.get") ??
                (r.State.Get(Name, Key(r["email"])) is { } found ? ApiAnswer.Ok(found) : ApiAnswer.NotFound(r["email"]));
        }
        if (r.Is("POST", "/v1/projects/(?<p>[^/]+)/serviceAccounts"))
        {
            var fault = r.Enter("iam.projects.serviceAccounts.create", Name, "v1", "CreateServiceAccountRequest");
            if (fault is not null)
            {
                return fault;
            }
            var email = $"{r.Call.Json["accountId"]}@{r.State.ProjectId}.iam.gserviceaccount.com";
            var account = r.Call.Json["serviceAccount"] as JsonObject ?? [];
            account = ApiRoute.With(account, "email", email);
            account["name"] = $"projects/{r.State.ProjectId}/serviceAccounts/{email}";
            account["projectId"] = r.State.ProjectId;
            account["uniqueId"] = (100000000000000000L + r.State.Next()).ToString(System.Globalization.CultureInfo.InvariantCulture);
            account["oauth2ClientId"] = account["uniqueId"]!.DeepClone();
            return r.State.Create(Name, Key(email), account)
                ? ApiAnswer.Ok(account)
                : ApiAnswer.Error(409, "ALREADY_EXISTS", $"Service account {r.Call.Json["accountId"]} already exists within project projects/{r.State.ProjectId}.");
        }
        if (r.Is("POST", "/v1/projects/(?<p>[^/]+)/serviceAccounts/(?<email>[^/:]+):(?<verb>\\w+)"))
        {
            return r.Iam(Name, "v1", Key(r["email"]), r["verb"], "iam.projects.serviceAccounts");
        }
        return null;
    }

    private static string Key(string email) => $"serviceAccounts/{email}";
}

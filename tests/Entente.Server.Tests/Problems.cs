using System.Net;
using System.Text.Json;

namespace Entente.Server.Tests;

/// <summary>The one check of a refusal the tests share: the status, a ProblemDetails body with that title, and what it says.</summary>
internal static class Problems
{
    /// <summary>
    /// Asserts that <paramref name="response"/> is <paramref name="status"/> with an <c>application/problem+json</c> body
    /// titled <paramref name="title"/> whose <c>status</c> agrees and whose <c>type</c> and <c>detail</c> say something;
    /// returns the body.
    /// </summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {title}, got {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        JsonElement problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        return problem;
    }
}

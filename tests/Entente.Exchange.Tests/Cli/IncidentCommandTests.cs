using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Entente.Exchange.Tests.Cli;

/// <summary>
/// `entente incident` end to end, as a party would run it: separate processes on one local
/// exchange store, exit codes 0/1/2, JSON output, and the export verified object by object.
/// </summary>
[Trait("Category", "Slow")]
public sealed class IncidentCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entente-incident-").FullName;

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        ProcessStartInfo start = new("dotnet") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "entente.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["NO_COLOR"] = "1";
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error);
    }

    [Fact]
    public void Parties_file_acknowledge_answer_show_and_export_a_request()
    {
        Assert.Equal(0, Run("incident", "keygen", "--name", "Blue", "--key", "blue.key").Code);
        Assert.Equal(0, Run("incident", "keygen", "--name", "Red", "--key", "red.key").Code);

        (int filed, string filedOut, string filedErr) = Run("incident", "file", "--key", "blue.key", "--to", "Red", "--subject", "Portal scanning",
            "--severity", "high", "--ack-within", "24h", "--answer-within", "3d", "--json");
        Assert.True(filed == 0, filedErr);
        string request = JsonNode.Parse(filedOut)!["object"]!.GetValue<string>();

        Assert.Equal(0, Run("incident", "ack", request, "--key", "red.key").Code);
        (int twice, _, string twiceErr) = Run("incident", "ack", request, "--key", "red.key");
        (int byRequester, _, string byRequesterErr) = Run("incident", "answer", request, "--key", "blue.key", "--text", "I answer myself");
        Assert.Equal(0, Run("incident", "answer", request, "--key", "red.key", "--decline", "--reason", "Outside the mandate").Code);
        (int listed, string listOut, _) = Run("incident", "list", "--json");
        (int shown, string showOut, _) = Run("incident", "show", request, "--json");
        (int exported, _, string exportErr) = Run("incident", "export", "--out", "bundle.json");

        Assert.Equal(2, twice);
        Assert.Contains("already been acknowledged", twiceErr, StringComparison.Ordinal);
        Assert.Equal(2, byRequester);
        Assert.Contains("only the addressee", byRequesterErr, StringComparison.Ordinal);
        Assert.Equal(0, listed);
        Assert.Equal("declined", JsonNode.Parse(listOut)![0]!["status"]!.GetValue<string>());
        Assert.Equal(0, shown);
        JsonArray timeline = JsonNode.Parse(showOut)!["timeline"]!.AsArray();
        Assert.Equal(3, timeline.Count);
        Assert.All(timeline, step => Assert.True(step!["verified"]!.GetValue<bool>()));
        Assert.True(exported == 0, exportErr);
        using JsonDocument bundle = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "bundle.json")));
        Assert.Empty(Stix.StixValidator.ValidateBundle(bundle.RootElement));
        Assert.Equal(3, bundle.RootElement.GetProperty("objects").GetArrayLength());
        Assert.Equal(3, JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "bundle.json.proofs.json")))!["entries"]!.AsArray().Count);
    }

    [Fact]
    public void Missing_unit_file_or_bad_duration_is_a_usage_error_that_says_what_to_do()
    {
        (int noUnit, _, string noUnitErr) = Run("incident", "list");
        Assert.Equal(0, Run("incident", "keygen", "--name", "Blue", "--key", "blue.key").Code);
        (int badDuration, _, string badDurationErr) = Run("incident", "file", "--key", "blue.key", "--to", "Blue", "--subject", "x", "--ack-within", "soon");

        Assert.Equal(2, noUnit);
        Assert.Contains("entente incident keygen", noUnitErr, StringComparison.Ordinal);
        Assert.Equal(2, badDuration);
        Assert.Contains("--ack-within", badDurationErr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

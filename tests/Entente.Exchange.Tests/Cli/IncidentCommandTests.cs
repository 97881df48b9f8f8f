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
    public void The_verb_that_creates_the_local_log_key_says_so_and_list_fits_80_columns_with_each_id_whole()
    {
        Assert.Equal(0, Run("incident", "keygen", "--name", "Blue", "--key", "blue.key").Code);
        Assert.Equal(0, Run("incident", "keygen", "--name", "Red", "--key", "red.key").Code);
        (int filed, string filedOut, string filedErr) = Run("incident", "file", "--key", "blue.key", "--to", "Red", "--subject", "Scanning of the ballot-device submission endpoint from outside both networks",
            "--severity", "high", "--ack-within", "30s", "--answer-within", "3d", "--json");
        Assert.True(filed == 0, filedErr);
        Assert.Contains("created exchange.db.logkey", filedErr, StringComparison.Ordinal);
        string request = JsonNode.Parse(filedOut)!["object"]!.GetValue<string>();

        // Output redirected: the console is 80 columns wide.
        (int listed, string listOut, string listErr) = Run("incident", "list");
        Assert.Equal(0, listed);
        Assert.DoesNotContain("created", listErr, StringComparison.Ordinal);
        string[] lines = listOut.ReplaceLineEndings("\n").Split('\n');
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.Contains(lines, l => l.Trim() == request);
        Assert.Contains(lines, l => l.Contains("Blue → Red, high: open", StringComparison.Ordinal));
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
        Assert.Empty(OasisStixChecks.Check(bundle.RootElement));
        // The extension definition and its author, then the request, the acknowledgement and the response.
        Assert.Equal(5, bundle.RootElement.GetProperty("objects").GetArrayLength());
        Assert.Equal(3, JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "bundle.json.proofs.json")))!["entries"]!.AsArray().Count);
    }

    [Fact]
    public void Export_refuses_a_log_key_for_another_origin_such_as_the_boards()
    {
        // Issue #14, item 9: given the board's log key, export signed the exchange's own tree under the board's origin.
        Assert.Equal(0, Run("incident", "keygen", "--name", "Blue", "--key", "blue.key").Code);
        using (Transparency.Notes.Ed25519NoteSigner board = Transparency.Notes.Ed25519NoteSigner.Generate("entente.example/log"))
        {
            File.WriteAllText(Path.Combine(_dir, "board.key"), board.ExportSkey());
        }

        (int code, _, string err) = Run("incident", "export", "--out", "bundle.json", "--log-key", "board.key");

        Assert.Equal(2, code);
        Assert.Contains("entente.example/log", err, StringComparison.Ordinal);
        Assert.Contains("entente.local/exchange", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "bundle.json.proofs.json")));
    }

    [Fact]
    public void Readers_only_evidence_travels_sealed_reads_back_for_the_readers_and_export_leaves_it_out_saying_why()
    {
        Assert.Equal(0, Run("incident", "keygen", "--name", "Blue", "--key", "blue.key").Code);
        Assert.Equal(0, Run("incident", "keygen", "--name", "Red", "--key", "red.key").Code);
        JsonNode unit = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "unit.json")))!;
        string blue = unit["parties"]![0]!["identity"]!.GetValue<string>();
        Assert.NotNull(unit["parties"]![1]!["encryption_key"]!["x25519"]);
        string now = Stix.StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
        JsonObject amber = new()
        {
            ["type"] = "indicator",
            ["spec_version"] = "2.1",
            ["id"] = Stix.StixId.NewV4("indicator").ToString(),
            ["created"] = now,
            ["modified"] = now,
            ["created_by_ref"] = blue,
            ["name"] = "Scanner of the results portal",
            ["pattern"] = "[ipv4-addr:value = '203.0.113.66']",
            ["pattern_type"] = "stix",
            ["valid_from"] = now,
            ["object_marking_refs"] = new JsonArray(Stix.Tlp.Amber),
        };
        File.WriteAllText(Path.Combine(_dir, "amber.json"), amber.ToJsonString());

        (int filed, string filedOut, string filedErr) = Run("incident", "file", "--key", "blue.key", "--to", "Red", "--subject", "Portal scanning", "--evidence", "amber.json", "--json");
        Assert.True(filed == 0, filedErr);
        string request = JsonNode.Parse(filedOut)!["object"]!.GetValue<string>();
        (int shown, string showOut, string showErr) = Run("incident", "show", request, "--key", "red.key", "--json");
        (int exported, string exportOut, string exportErr) = Run("incident", "export", "--out", "bundle.json", "--key", "red.key", "--json");

        Assert.True(shown == 0, showErr);
        Assert.Equal(2, JsonNode.Parse(showOut)!["timeline"]!.AsArray().Count);
        // The local store (with its write-ahead log) holds the evidence only sealed.
        Assert.All(Directory.GetFiles(_dir, "exchange.db*"), f => Assert.DoesNotContain("203.0.113.66", File.ReadAllText(f), StringComparison.Ordinal));
        Assert.True(exported == 0, exportErr);
        JsonNode report = JsonNode.Parse(exportOut)!;
        Assert.Equal(1, report["exported"]!.GetValue<int>());
        Assert.Equal(amber["id"]!.GetValue<string>(), report["left_out"]![0]!["object"]!.GetValue<string>());
        Assert.Contains("sealed", report["left_out"]![0]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        string bundleText = File.ReadAllText(Path.Combine(_dir, "bundle.json"));
        Assert.DoesNotContain("203.0.113.66", bundleText, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.66", File.ReadAllText(Path.Combine(_dir, "bundle.json.proofs.json")), StringComparison.Ordinal);
        using JsonDocument bundle = JsonDocument.Parse(bundleText);
        Assert.Empty(OasisStixChecks.Check(bundle.RootElement));
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

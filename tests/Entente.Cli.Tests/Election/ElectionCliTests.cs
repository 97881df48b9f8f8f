using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Election.Record;

namespace Entente.Cli.Tests.Election;

/// <summary>The election verbs run as separate processes exchanging files, as the contract describes them.</summary>
[Trait("Category", "Slow")]
public class ElectionCliTests
{
    // The smoke manifest of bench/manifests (1 contest, 4 options, limit 1), plus a two-contest one with contest data.
    private const string Smoke = """
        {"label":"Smoke","contests":[{"label":"Smoke contest","contest_options":[{"label":"Option 1"},{"label":"Option 2"},{"label":"Option 3"},{"label":"Option 4"}]}],
         "ballot_styles":[{"label":"Smoke style","contests":[1]}]}
        """;

    private const string TwoContests = """
        {"label":"Town","contests":[
          {"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"},{"label":"C"}]},
          {"label":"Council","selection_limit":2,"contest_options":[{"label":"D"},{"label":"E","selection_limit":2},{"label":"F"}],"contest_data_blocks":1}],
         "ballot_styles":[{"label":"all","contests":[1,2]},{"label":"mayor only","contests":[1]}]}
        """;

    [Fact]
    public async Task Election_simulate_with_the_contract_flags_writes_a_complete_record_and_a_json_summary()
    {
        using TempFolder temp = new();
        File.WriteAllText(temp.File("smoke.json"), Smoke);
        string output = EntenteProcess.Ok("election", "simulate", "--manifest", temp.File("smoke.json"), "--guardians", "3", "--quorum", "2",
            "--ballots", "7", "--challenged", "2", "--chaining", "simple", "--group", "tiny", "--out", temp.File("record"), "--json");

        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal(5, root.GetProperty("ballots_cast").GetInt32());
        Assert.Equal(2, root.GetProperty("ballots_challenged").GetInt32());
        Assert.Equal("simple", root.GetProperty("chaining_mode").GetString());
        Assert.Equal("toy-32", root.GetProperty("group").GetString());
        Assert.True(root.GetProperty("self_check_passed").GetBoolean());
        Assert.Equal([1, 2], root.GetProperty("decrypted_by").EnumerateArray().Select(e => e.GetInt32()));
        long votes = root.GetProperty("tally")[0].GetProperty("options").EnumerateArray().Sum(o => o.GetProperty("value").GetInt64());
        Assert.InRange(votes, 0, 5); // limit 1 per cast ballot

        ElectionRecord record = await RecordStore.ReadAsync(temp.File("record"));
        Assert.Equal(7, record.Ballots.Count);
        Assert.Equal(2, record.Challenged.Count);
        Assert.Empty(RecordSelfCheck.Check(record));
        Assert.Equal(votes, record.Tally.Contests[0].Options.Sum(o => o.Value));
        Assert.Equal(root.GetProperty("h_e").GetString(), record.Context.ExtendedBaseHash.ToHex());
    }

    [Fact]
    public async Task Election_simulate_with_decrypt_contest_data_publishes_proven_write_ins_that_entente_verify_checks_in_step_12()
    {
        using TempFolder temp = new();
        File.WriteAllText(temp.File("town.json"), TwoContests);
        string output = EntenteProcess.Ok("election", "simulate", "--manifest", temp.File("town.json"), "--guardians", "3", "--quorum", "2",
            "--ballots", "8", "--challenged", "1", "--group", "tiny", "--seed", "5", "--decrypt-with", "2,3", "--decrypt-contest-data", "2", "--out", temp.File("record"), "--json");

        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetProperty("contest_data_decrypted").GetInt32());
        ElectionRecord record = await RecordStore.ReadAsync(temp.File("record"));
        Assert.Equal(2, record.ContestData.Count);
        Assert.All(record.ContestData, d => Assert.Equal([2, 3], d.Guardians));
        Assert.Empty(RecordSelfCheck.Check(record));

        using JsonDocument report = JsonDocument.Parse(EntenteProcess.Ok("verify", temp.File("record"), "--allow-toy-groups", "--json"));
        JsonElement step12 = report.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("number").GetString() == "12");
        Assert.Equal(2, step12.GetProperty("checked").GetInt32());
        Assert.True(step12.GetProperty("passed").GetBoolean());

        // Without the option the command's contract is unchanged: no contest_data/ and no new summary member.
        output = EntenteProcess.Ok("election", "simulate", "--manifest", temp.File("town.json"), "--guardians", "3", "--quorum", "2",
            "--ballots", "3", "--group", "tiny", "--out", temp.File("plain"), "--json");
        using JsonDocument plain = JsonDocument.Parse(output);
        Assert.False(plain.RootElement.TryGetProperty("contest_data_decrypted", out _));
        Assert.False(Directory.Exists(Path.Combine(temp.File("plain"), "contest_data")));

        File.WriteAllText(temp.File("smoke.json"), Smoke);
        (int code, _, string error) = EntenteProcess.Run(["election", "simulate", "--manifest", temp.File("smoke.json"), "--guardians", "1", "--quorum", "1",
            "--ballots", "1", "--group", "tiny", "--decrypt-contest-data", "1", "--out", temp.File("none")]);
        Assert.Equal(2, code);
        Assert.Contains("--decrypt-contest-data", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("none")));
    }

    [Fact]
    public async Task Election_simulate_with_pre_encrypted_ballots_mixes_them_with_device_ballots_and_entente_verify_counts_steps_15_to_19()
    {
        using TempFolder temp = new();
        File.WriteAllText(temp.File("town.json"), TwoContests);
        string output = EntenteProcess.Ok("election", "simulate", "--manifest", temp.File("town.json"), "--guardians", "3", "--quorum", "2",
            "--ballots", "4", "--challenged", "2", "--pre-encrypted", "4", "--group", "tiny", "--seed", "9", "--out", temp.File("record"), "--json");

        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetProperty("pre_encrypted_cast").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("pre_encrypted_uncast").GetInt32());
        Assert.Equal(4, json.RootElement.GetProperty("ballots_cast").GetInt32()); // 2 device + 2 pre-encrypted
        ElectionRecord record = await RecordStore.ReadAsync(temp.File("record"));
        Assert.Equal(2, record.Uncast.Count);
        Assert.Equal(2, record.Ballots.Count(b => b.PreEncryption is not null));

        using JsonDocument report = JsonDocument.Parse(EntenteProcess.Ok("verify", temp.File("record"), "--allow-toy-groups", "--json"));
        foreach (string number in new[] { "15", "16", "17", "18", "19" })
        {
            JsonElement step = report.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("number").GetString() == number);
            Assert.True(step.GetProperty("checked").GetInt32() > 0, $"step {number}");
            Assert.True(step.GetProperty("passed").GetBoolean(), $"step {number}");
        }

        (int code, _, string error) = EntenteProcess.Run(["election", "simulate", "--manifest", temp.File("town.json"), "--guardians", "1", "--quorum", "1",
            "--ballots", "1", "--group", "tiny", "--pre-encrypted", "-1", "--out", temp.File("none")]);
        Assert.Equal(2, code);
        Assert.Contains("--pre-encrypted", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Election_simulate_refuses_bad_input_with_exit_2_and_a_message_naming_the_file_and_field()
    {
        using TempFolder temp = new();
        File.WriteAllText(temp.File("smoke.json"), Smoke);
        string[] common = ["election", "simulate", "--guardians", "3", "--quorum", "2", "--group", "tiny", "--out", temp.File("record")];

        (int code, _, string error) = EntenteProcess.Run([.. common, "--manifest", temp.File("missing.json"), "--ballots", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("missing.json", error, StringComparison.Ordinal);

        File.WriteAllText(temp.File("duplicate.json"), Smoke.Replace("Option 2", "Option 1", StringComparison.Ordinal));
        (code, _, error) = EntenteProcess.Run([.. common, "--manifest", temp.File("duplicate.json"), "--ballots", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("duplicate.json", error, StringComparison.Ordinal);
        Assert.Contains("contest_options", error, StringComparison.Ordinal);

        File.WriteAllText(temp.File("truncated.json"), Smoke[..40]);
        (code, _, error) = EntenteProcess.Run([.. common, "--manifest", temp.File("truncated.json"), "--ballots", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("truncated.json", error, StringComparison.Ordinal);

        (code, _, error) = EntenteProcess.Run([.. common, "--manifest", temp.File("smoke.json"), "--ballots", "2", "--challenged", "3"]);
        Assert.Equal(2, code);
        Assert.Contains("--challenged", error, StringComparison.Ordinal);

        (code, _, error) = EntenteProcess.Run([.. common, "--manifest", temp.File("smoke.json"), "--ballots", "1", "--chaining", "sometimes"]);
        Assert.Equal(2, code);
        Assert.Contains("--chaining", error, StringComparison.Ordinal);

        (code, _, error) = EntenteProcess.Run(["election", "simulate", "--manifest", temp.File("smoke.json"), "--guardians", "3", "--quorum", "4", "--ballots", "1", "--group", "tiny", "--out", temp.File("record")]);
        Assert.Equal(2, code);
        Assert.Contains("quorum", error, StringComparison.OrdinalIgnoreCase);

        (code, _, error) = EntenteProcess.Run([.. common, "--manifest", temp.File("smoke.json"), "--ballots", "1", "--decrypt-with", "1,9"]);
        Assert.Equal(2, code);
        Assert.Contains("guardian 9", error, StringComparison.Ordinal);

        Assert.False(Directory.Exists(temp.File("record")), "nothing is written on bad input");
        Assert.Empty(Directory.GetDirectories(temp.Path, "record.partial-*"));
    }

    [Fact]
    public async Task A_two_of_three_ceremony_with_one_process_per_guardian_step_produces_a_record_that_checks()
    {
        using TempFolder temp = new();
        File.WriteAllText(temp.File("manifest.json"), TwoContests);
        string folder = temp.File("ceremony");
        string Secret(int i) => temp.File($"guardian-{i}.secret.json");

        using (JsonDocument init = JsonDocument.Parse(EntenteProcess.Ok("election", "init", "--manifest", temp.File("manifest.json"), "--guardians", "3", "--quorum", "2", "--group", "tiny", "--out", folder, "--json")))
        {
            Assert.Equal(64, init.RootElement.GetProperty("h_b").GetString()!.Length);
        }

        foreach (string step in new[] { "keygen", "share", "receive", "approve" })
        {
            for (int i = 1; i <= 3; i++)
            {
                EntenteProcess.Ok("guardian", step, "--folder", folder, "--index", $"{i}", "--secret", Secret(i), "--insecure-plaintext-secrets", "--json");
            }
        }

        // The secrets never enter the shared folder.
        Assert.DoesNotContain(Directory.GetFiles(folder, "*", SearchOption.AllDirectories), f => f.Contains("secret", StringComparison.OrdinalIgnoreCase));

        File.WriteAllText(temp.File("ballots.json"), """
            {"ballots":[
              {"style":"all","selections":{"Mayor":{"B":1},"Council":{"D":1,"F":1}},"contest_data":{"Council":"Ada Lovelace"}},
              {"style":"all","selections":{"Mayor":{"B":1},"Council":{"E":2}}},
              {"style":"mayor only","selections":{"Mayor":{"C":1}}},
              {"style":"all","selections":{"Mayor":{"A":1},"Council":{"D":1}},"contest_data":{"Council":"write-in"},"challenge":true}
            ]}
            """);
        using (JsonDocument codes = JsonDocument.Parse(EntenteProcess.Ok("encrypt", "--folder", folder, "--ballots", temp.File("ballots.json"), "--device", "booth-1", "--device-info", "Booth 1", "--json")))
        {
            Assert.Equal(JsonValueKind.Object, codes.RootElement.ValueKind);
        }

        EntenteProcess.Ok("tally", "--folder", folder, "--json");

        // Write-in adjudication: the official names the one cast ballot whose write-in must be read (the booth's first).
        string ada = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "devices", "booth-1.json")))!["ballots"]![0]!.GetValue<string>();
        EntenteProcess.Ok("decrypt", "--folder", folder, "--request-contest-data", ada + ":2", "--json");
        (int refused, _, string why) = EntenteProcess.Run("decrypt", "--folder", folder, "--request-contest-data", "not-an-id");
        Assert.Equal(2, refused);
        Assert.Contains("--request-contest-data", why, StringComparison.Ordinal);
        foreach (string step in new[] { "commit", "reveal", "respond" })
        {
            foreach (int i in new[] { 1, 3 })
            {
                string[] args = ["decrypt", "--folder", folder, "--step", step, "--index", $"{i}", "--secret", Secret(i), "--insecure-plaintext-secrets", "--json"];
                EntenteProcess.Ok(step == "commit" ? [.. args, "--guardians", "1,3"] : args);
            }
        }

        EntenteProcess.Ok("decrypt", "--folder", folder, "--combine", "--out", temp.File("record"), "--json");
        ElectionRecord record = await RecordStore.ReadAsync(temp.File("record"));
        Assert.Empty(RecordSelfCheck.Check(record));
        Assert.Equal([1, 3], record.Tally.Guardians);
        Assert.Equal(new long[] { 0, 2, 1 }, record.Tally.Contests[0].Options.Select(o => o.Value));
        Assert.Equal(new long[] { 1, 2, 1 }, record.Tally.Contests[1].Options.Select(o => o.Value));
        Assert.Single(record.Challenged);
        Entente.Election.Decryption.DecryptedBallotContestData decrypted = Assert.Single(record.ContestData);
        Assert.Equal(ada, decrypted.BallotId.ToHex());
        Assert.Equal("Ada Lovelace", Entente.Election.Decryption.ContestDataDecryption.TextOf(Assert.Single(decrypted.Contests).Data));
    }

    [Fact]
    public async Task Preencrypt_generate_and_record_put_marked_paper_ballots_into_a_folder_ceremony_that_entente_verify_checks()
    {
        using TempFolder temp = new();
        File.WriteAllText(temp.File("manifest.json"), TwoContests);
        string folder = temp.File("ceremony");
        EntenteProcess.Ok("election", "init", "--manifest", temp.File("manifest.json"), "--guardians", "1", "--quorum", "1", "--group", "tiny", "--out", folder);
        foreach (string step in new[] { "keygen", "share", "receive", "approve" })
        {
            EntenteProcess.Ok("guardian", step, "--folder", folder, "--index", "1", "--secret", temp.File("g1.json"), "--insecure-plaintext-secrets");
        }

        (int code, _, string error) = EntenteProcess.Run("preencrypt", "generate", "--folder", folder, "--style", "all", "--count", "2", "--short-codes", "hex3", "--out", temp.File("x"));
        Assert.Equal(2, code);
        Assert.Contains("--short-codes", error, StringComparison.Ordinal);

        using JsonDocument generated = JsonDocument.Parse(EntenteProcess.Ok("preencrypt", "generate", "--folder", folder, "--style", "all", "--count", "2", "--out", temp.File("printed"), "--json"));
        string[] ids = [.. generated.RootElement.GetProperty("ballots").EnumerateArray().Select(b => b.GetProperty("id").GetString()!)];
        JsonNode first = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.File("printed"), "ballots", ids[0] + ".json")))!;
        string Code(int contest, int option) => first["contests"]![contest]!["selections"]![option]!["short_code"]!.GetValue<string>();
        File.WriteAllText(temp.File("bad-marks.json"), $$$"""{"ballots":[{"id":"{{{ids[0]}}}","marks":{"Mayor":["{{{Code(0, 0)}}}","{{{Code(0, 1)}}}"]}}]}""");
        (code, _, error) = EntenteProcess.Run("preencrypt", "record", "--folder", folder, "--ballots", temp.File("printed"), "--marks", temp.File("bad-marks.json"));
        Assert.Equal(2, code);
        Assert.Contains("overvote", error, StringComparison.Ordinal);
        Assert.Contains(ids[0], error, StringComparison.Ordinal);

        File.WriteAllText(temp.File("marks.json"), $$$"""{"ballots":[{"id":"{{{ids[0]}}}","marks":{"Mayor":["{{{Code(0, 2)}}}"],"Council":["{{{Code(1, 0)}}}"]}},{"id":"{{{ids[1]}}}","uncast":true}]}""");
        using JsonDocument recorded = JsonDocument.Parse(EntenteProcess.Ok("preencrypt", "record", "--folder", folder, "--ballots", temp.File("printed"), "--marks", temp.File("marks.json"), "--json"));
        Assert.Equal(1, recorded.RootElement.GetProperty("cast").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(temp.File("printed"), "uncast", ids[1] + ".json")));

        EntenteProcess.Ok("tally", "--folder", folder, "--json");
        foreach (string step in new[] { "commit", "reveal", "respond" })
        {
            string[] args = ["decrypt", "--folder", folder, "--step", step, "--index", "1", "--secret", temp.File("g1.json"), "--insecure-plaintext-secrets", "--json"];
            EntenteProcess.Ok(step == "commit" ? [.. args, "--guardians", "1"] : args);
        }

        EntenteProcess.Ok("decrypt", "--folder", folder, "--combine", "--out", temp.File("record"), "--json");
        ElectionRecord record = await RecordStore.ReadAsync(temp.File("record"));
        Assert.Equal(new long[] { 0, 0, 1 }, record.Tally.Contests[0].Options.Select(o => o.Value));
        Assert.Equal(new long[] { 1, 0, 0 }, record.Tally.Contests[1].Options.Select(o => o.Value));
        Assert.Equal(ids[1], Assert.Single(record.Uncast).Id.ToHex()); // published by preencrypt record, carried into the record by decrypt --combine
        using JsonDocument report = JsonDocument.Parse(EntenteProcess.Ok("verify", temp.File("record"), "--allow-toy-groups", "--json"));
        foreach (string number in new[] { "15", "16", "17", "19" })
        {
            JsonElement step = report.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("number").GetString() == number);
            Assert.True(step.GetProperty("checked").GetInt32() > 0, $"step {number}");
        }
    }

    [Fact]
    public void Ceremony_verbs_refuse_bad_input_with_exit_2_naming_the_file_object_and_field()
    {
        using TempFolder temp = new();
        File.WriteAllText(temp.File("manifest.json"), TwoContests);
        string folder = temp.File("ceremony");
        EntenteProcess.Ok("election", "init", "--manifest", temp.File("manifest.json"), "--guardians", "2", "--quorum", "2", "--group", "tiny", "--out", folder);

        (int code, _, string error) = EntenteProcess.Run("guardian", "keygen", "--folder", folder, "--index", "0", "--secret", temp.File("g0.json"), "--insecure-plaintext-secrets");
        Assert.Equal(2, code);
        Assert.Contains("index", error, StringComparison.OrdinalIgnoreCase);

        (code, _, error) = EntenteProcess.Run("guardian", "keygen", "--folder", folder, "--index", "1", "--secret", temp.File("g1.json"));
        Assert.Equal(2, code); // no passphrase and no --insecure-plaintext-secrets
        Assert.False(File.Exists(temp.File("g1.json")));

        EntenteProcess.Ok("guardian", "keygen", "--folder", folder, "--index", "1", "--secret", temp.File("g1.json"), "--insecure-plaintext-secrets");
        (code, _, error) = EntenteProcess.Run("guardian", "keygen", "--folder", folder, "--index", "1", "--secret", temp.File("g1-again.json"), "--insecure-plaintext-secrets");
        Assert.Equal(2, code); // guardian 1 exists already

        // Guardian 2 uses guardian 1's secret file: refused, naming the secret file.
        EntenteProcess.Ok("guardian", "keygen", "--folder", folder, "--index", "2", "--secret", temp.File("g2.json"), "--insecure-plaintext-secrets");
        (code, _, error) = EntenteProcess.Run("guardian", "share", "--folder", folder, "--index", "2", "--secret", temp.File("g1.json"), "--insecure-plaintext-secrets");
        Assert.Equal(2, code);
        Assert.Contains("g1.json", error, StringComparison.Ordinal);

        // A truncated public key file of guardian 2 is refused by guardian 1, naming that file.
        string[] published = Directory.GetFiles(folder, "*2*.json", SearchOption.AllDirectories);
        string publicKey = Assert.Single(published, f => !f.Contains("share", StringComparison.OrdinalIgnoreCase));
        string original = File.ReadAllText(publicKey);
        File.WriteAllText(publicKey, original[..(original.Length / 2)]);
        (code, _, error) = EntenteProcess.Run("guardian", "share", "--folder", folder, "--index", "1", "--secret", temp.File("g1.json"), "--insecure-plaintext-secrets");
        Assert.Equal(2, code);
        Assert.Contains(Path.GetFileName(publicKey), error, StringComparison.Ordinal);
        File.WriteAllText(publicKey, original);

        // Ballots that break the manifest: exit 2, the file, the ballot and the field named; nothing encrypted.
        EntenteProcess.Ok("guardian", "share", "--folder", folder, "--index", "1", "--secret", temp.File("g1.json"), "--insecure-plaintext-secrets");
        EntenteProcess.Ok("guardian", "share", "--folder", folder, "--index", "2", "--secret", temp.File("g2.json"), "--insecure-plaintext-secrets");
        foreach (int i in new[] { 1, 2 })
        {
            EntenteProcess.Ok("guardian", "receive", "--folder", folder, "--index", $"{i}", "--secret", temp.File($"g{i}.json"), "--insecure-plaintext-secrets");
        }

        foreach (int i in new[] { 1, 2 })
        {
            EntenteProcess.Ok("guardian", "approve", "--folder", folder, "--index", $"{i}", "--secret", temp.File($"g{i}.json"), "--insecure-plaintext-secrets");
        }

        File.WriteAllText(temp.File("bad-ballots.json"), """{"ballots":[{"style":"all","selections":{"Mayor":{"Z":1}}}]}""");
        (code, _, error) = EntenteProcess.Run("encrypt", "--folder", folder, "--ballots", temp.File("bad-ballots.json"), "--device", "booth-1");
        Assert.Equal(2, code);
        Assert.Contains("bad-ballots.json", error, StringComparison.Ordinal);
        Assert.Contains("$.ballots[0]", error, StringComparison.Ordinal);
        Assert.Contains("Z", error, StringComparison.Ordinal);

        File.WriteAllText(temp.File("over.json"), """{"ballots":[{"style":"all","selections":{"Mayor":{"A":1,"B":1}}}]}""");
        (code, _, error) = EntenteProcess.Run("encrypt", "--folder", folder, "--ballots", temp.File("over.json"), "--device", "booth-1");
        Assert.Equal(2, code);
        Assert.Contains("selections", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFiles(folder, "*.json", SearchOption.AllDirectories), f => f.Contains("ballots" + Path.DirectorySeparatorChar, StringComparison.Ordinal));

        // Decryption with fewer than k guardians is a clear input error.
        File.WriteAllText(temp.File("ok.json"), """{"ballots":[{"style":"all","selections":{"Mayor":{"A":1}}}]}""");
        EntenteProcess.Ok("encrypt", "--folder", folder, "--ballots", temp.File("ok.json"), "--device", "booth-1");
        EntenteProcess.Ok("tally", "--folder", folder);
        (code, _, error) = EntenteProcess.Run("decrypt", "--folder", folder, "--step", "commit", "--index", "1", "--secret", temp.File("g1.json"), "--insecure-plaintext-secrets", "--guardians", "1");
        Assert.Equal(2, code);
        Assert.Contains("quorum", error, StringComparison.Ordinal);
    }
}

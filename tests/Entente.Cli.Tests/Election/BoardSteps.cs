using System.Text.Json;

namespace Entente.Cli.Tests.Election;

/// <summary>
/// The election verbs against a <see cref="BoardProcess"/>, each a separate <c>entente</c> process with the party's
/// <c>--board URL --key KEY</c>: the tiny two-of-three election of a two-party unit (blue holds guardian 1, red guardians
/// 2 and 3), shared by the board CLI tests and the end-to-end tests.
/// </summary>
internal static class BoardSteps
{
    public const string Manifest = """
        {"label":"Town","contests":[
          {"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"},{"label":"C"}]},
          {"label":"Council","selection_limit":2,"contest_options":[{"label":"D"},{"label":"E","selection_limit":2},{"label":"F"}],"contest_data_blocks":1}],
         "ballot_styles":[{"label":"all","contests":[1,2]},{"label":"mayor only","contests":[1]}]}
        """;

    public const string Ballots = """
        {"ballots":[
          {"style":"all","selections":{"Mayor":{"B":1},"Council":{"D":1,"F":1}},"contest_data":{"Council":"Ada Lovelace"}},
          {"style":"all","selections":{"Mayor":{"B":1},"Council":{"E":2}}},
          {"style":"mayor only","selections":{"Mayor":{"C":1}}},
          {"style":"all","selections":{"Mayor":{"A":1},"Council":{"D":1}},"challenge":true}
        ]}
        """;

    private static readonly Dictionary<string, string> Passphrase = new() { ["ENTENTE_GUARDIAN_PASSPHRASE"] = "correct horse battery staple" };

    public static string Holder(int guardian) => guardian == 1 ? "blue.example" : "red.example";

    public static string[] On(BoardProcess board, string member) => ["--board", board.Url, "--key", board.Key(member)];

    /// <summary>Runs one guardian step in its own process (guardian 1 with a passphrase from the environment, the others plaintext).</summary>
    public static (int Code, string Out, string Err) Guardian(BoardProcess board, int i, params string[] args)
    {
        string[] common = [.. args, .. On(board, Holder(i)), "--index", $"{i}", "--secret", board.File($"guardian-{i}.secret.json"), "--json"];
        return i == 1 ? EntenteProcess.Run(Passphrase, common) : EntenteProcess.Run([.. common, "--insecure-plaintext-secrets"]);
    }

    public static JsonElement Ok((int Code, string Out, string Err) run, string what)
    {
        Assert.True(run.Code == 0, $"{what} exited {run.Code}\nstdout: {run.Out}\nstderr: {run.Err}");
        using JsonDocument document = JsonDocument.Parse(run.Out);
        return document.RootElement.Clone();
    }

    public static JsonElement Ok(BoardProcess board, string member, string what, params string[] args) =>
        Ok(EntenteProcess.Run([.. args, .. On(board, member), "--json"]), what);

    public static void AssertState(JsonElement publication, string state, params string[] awaiting)
    {
        Assert.Equal(state, publication.GetProperty("state").GetString());
        Assert.Equal(awaiting, publication.GetProperty("awaiting").EnumerateArray().Select(e => e.GetString()!));
    }

    /// <summary>Both parties run init; every guardian keygen, share, receive, approve; blue signs the joint key red proposed.</summary>
    public static async Task CeremonyAsync(BoardProcess board, Action? afterInit = null, Action? afterKeygen = null)
    {
        await File.WriteAllTextAsync(board.File("manifest.json"), Manifest);
        string[] init = ["election", "init", "--manifest", board.File("manifest.json"), "--guardians", "3", "--quorum", "2", "--group", "tiny"];
        JsonElement blue = Ok(board, "blue.example", "blue's init", init);
        AssertState(blue.GetProperty("parameters"), "awaiting_signatures", "red.example");
        JsonElement red = Ok(board, "red.example", "red's init", init);
        AssertState(red.GetProperty("parameters"), "published");
        Assert.Equal(blue.GetProperty("h_b").GetString(), red.GetProperty("h_b").GetString());
        afterInit?.Invoke();

        foreach (string step in new[] { "keygen", "share", "receive" })
        {
            for (int i = 1; i <= 3; i++)
            {
                Ok(Guardian(board, i, "guardian", step), $"guardian {step} {i}");
            }

            if (step == "keygen")
            {
                afterKeygen?.Invoke();
            }
        }

        Assert.False(Ok(Guardian(board, 1, "guardian", "approve"), "approve 1").TryGetProperty("election", out _));
        Ok(Guardian(board, 2, "guardian", "approve"), "approve 2");
        JsonElement last = Ok(Guardian(board, 3, "guardian", "approve"), "approve 3");
        AssertState(last.GetProperty("election"), "awaiting_signatures", "blue.example"); // red proposed the joint key with its last approval
        AssertState(Ok(board, "blue.example", "blue's election key", "election", "key").GetProperty("election"), "published");
    }

    /// <summary>Blue proposes the encrypted tally and red signs it; guardians 1 and 3 commit, reveal and respond; blue and red combine (red writes <paramref name="record"/> when given).</summary>
    public static void TallyAndDecrypt(BoardProcess board, string? record = null)
    {
        AssertState(Ok(board, "blue.example", "blue's tally", "tally").GetProperty("encrypted_tally"), "awaiting_signatures", "red.example");
        AssertState(Ok(board, "red.example", "red's tally", "tally").GetProperty("encrypted_tally"), "published");
        foreach (string step in new[] { "commit", "reveal", "respond" })
        {
            foreach (int i in new[] { 1, 3 })
            {
                string[] args = ["decrypt", "--step", step];
                Ok(Guardian(board, i, step == "commit" ? [.. args, "--guardians", "1,3"] : args), $"decrypt {step} {i}");
            }
        }

        AssertState(Ok(board, "blue.example", "blue's combine", "decrypt", "--combine").GetProperty("publication"), "awaiting_signatures", "red.example");
        string[] combine = record is null ? ["decrypt", "--combine"] : ["decrypt", "--combine", "--out", record];
        AssertState(Ok(board, "red.example", "red's combine", combine).GetProperty("publication"), "published");
    }
}

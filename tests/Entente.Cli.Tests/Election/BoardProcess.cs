using System.Text.Json;
using Entente.Transparency.Notes;

namespace Entente.Cli.Tests.Election;

/// <summary>
/// A real board: <c>entente serve</c> in its own process on a free loopback port, over a data folder holding the
/// charter of a tiny unit (blue: party, guardian 1, auditor; red: party, guardians 2 and 3, auditor; devices device-1
/// and device-2), and each member's key file beside it. With witnesses, each is an <c>entente witness serve</c> process
/// made by <c>entente witness init</c> for the board's log key, which the board reaches over loopback HTTP; the board's
/// configuration names them all with a quorum of all of them, and <see cref="PolicyFile"/> is that witness policy.
/// Disposing stops the processes this fixture started (by their ids) and deletes the folder.
/// </summary>
internal sealed class BoardProcess : IDisposable
{
    /// <summary>The board's origin (and its log key's name).</summary>
    public const string Origin = "cli.test/board";

    private readonly ServerProcess _board;

    private BoardProcess(string folder, ServerProcess board, IReadOnlyList<ServerProcess> witnesses, IReadOnlyList<ServerProcess> mirrors)
    {
        Folder = folder;
        _board = board;
        Witnesses = witnesses;
        Mirrors = mirrors;
    }

    /// <summary>The temporary folder: the board's data in <c>board/</c>, the key files and anything the test writes.</summary>
    public string Folder { get; }

    /// <summary>The board's URL.</summary>
    public string Url => _board.Url;

    /// <summary>The board's server process.</summary>
    public ServerProcess Server => _board;

    /// <summary>The witnesses' server processes (none unless asked for).</summary>
    public IReadOnlyList<ServerProcess> Witnesses { get; }

    /// <summary>
    /// The mirrors' server processes (none unless asked for): each an <c>entente mirror serve</c> that does not pull on
    /// its own (everything it holds the board pushed), named mirror-N.example, required by the board and the policy.
    /// </summary>
    public IReadOnlyList<ServerProcess> Mirrors { get; }

    /// <summary>The board's data folder.</summary>
    public string Data => File("board");

    /// <summary>The witness policy (C2SP tlog-policy): the log key and every witness, all of them required.</summary>
    public string PolicyFile => File("witness-policy.txt");

    /// <summary>A path in the folder.</summary>
    public string File(string name) => Path.Combine(Folder, name);

    /// <summary>The key file of a charter member (blue.example, red.example, device-1, device-2).</summary>
    public string Key(string member) => File(member + ".key");

    /// <summary>
    /// Writes the keys and the charter (with <paramref name="deadlines"/>, a JSON object, as its <c>deadlines</c>), starts
    /// <paramref name="witnesses"/> witnesses and <c>entente serve</c> (with <paramref name="serveOptions"/> added), and waits until they answer.
    /// </summary>
    public static async Task<BoardProcess> StartAsync(int witnesses = 0, int mirrors = 0, string? deadlines = null, IReadOnlyList<string>? serveOptions = null)
    {
        string folder = Directory.CreateTempSubdirectory("entente-cli-board-").FullName;
        List<ServerProcess> started = [];
        List<ServerProcess> mirrorProcesses = [];
        try
        {
            string data = Path.Combine(folder, "board");
            Directory.CreateDirectory(data);
            Dictionary<string, string> keys = [];
            foreach (string member in new[] { "blue.example", "red.example", "device-1", "device-2" })
            {
                using Ed25519NoteSigner key = Ed25519NoteSigner.Generate(member);
                await System.IO.File.WriteAllTextAsync(Path.Combine(folder, member + ".key"), key.ExportSkey() + "\n");
                keys[member] = key.VerifierKey;
            }

            await System.IO.File.WriteAllTextAsync(Path.Combine(data, "charter.json"), $$"""
                { "parties": [
                  { "name": "blue.example", "key": "{{keys["blue.example"]}}", "roles": ["party", "guardian", "auditor"], "guardians": [1], "identity": "identity--6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d" },
                  { "name": "red.example", "key": "{{keys["red.example"]}}", "roles": ["party", "guardian", "auditor"], "guardians": [2, 3], "identity": "identity--0b7f2f4a-3c34-4d6e-9a3e-2f1b6c1d8e90" },
                  { "name": "device-1", "key": "{{keys["device-1"]}}", "roles": ["device"] },
                  { "name": "device-2", "key": "{{keys["device-2"]}}", "roles": ["device"] } ]{{(deadlines is null ? "" : ", \"deadlines\": " + deadlines)}} }
                """);
            List<string> serve = ["serve", "--data", data, "--origin", Origin, .. serveOptions ?? []];
            int? boardPortChosen = null;
            if (witnesses > 0)
            {
                // The log key first (entente serve keeps an existing one), so that each witness can be made for it.
                using Ed25519NoteSigner logKey = Ed25519NoteSigner.Generate(Origin);
                await System.IO.File.WriteAllTextAsync(Path.Combine(data, "log.key"), logKey.ExportSkey() + "\n");
                List<(string Cosigner, string Url)> refs = [];
                for (int w = 1; w <= witnesses; w++)
                {
                    string config = Path.Combine(folder, $"witness-{w}", "witness.json");
                    string made = EntenteProcess.Ok("witness", "init", "--config", config, "--name", $"witness-{w}.example", "--log-origin", Origin, "--log-key", logKey.VerifierKey);
                    string cosigner = made.Split('\n').Single(l => l.StartsWith("cosigner key ", StringComparison.Ordinal))["cosigner key ".Length..].Trim();
                    int port = ServerProcess.FreePort();
                    ServerProcess witness = await ServerProcess.StartAsync($"witness-{w}", port, "", "witness", "serve", "--config", config, "--urls", $"http://127.0.0.1:{port}");
                    started.Add(witness);
                    refs.Add((cosigner, witness.Url));
                }

                int port0 = ServerProcess.FreePort();
                List<(string Cosigner, string Url)> mirrorRefs = [];
                for (int m = 1; m <= mirrors; m++)
                {
                    string config = Path.Combine(folder, $"mirror-{m}", "mirror.json");
                    string made = EntenteProcess.Ok("mirror", "init", "--config", config, "--name", $"mirror-{m}.example", "--log-key", logKey.VerifierKey, "--log-url", $"http://127.0.0.1:{port0}/");
                    string cosigner = made.Split('\n').Single(l => l.StartsWith("cosigner key ", StringComparison.Ordinal))["cosigner key ".Length..].Trim();
                    string text = await System.IO.File.ReadAllTextAsync(config);
                    await System.IO.File.WriteAllTextAsync(config, text.Replace("\"syncIntervalMs\": 1000", "\"syncIntervalMs\": 0", StringComparison.Ordinal));
                    int port = ServerProcess.FreePort();
                    ServerProcess mirror = await ServerProcess.StartAsync($"mirror-{m}", port, "", "mirror", "serve", "--config", config, "--urls", $"http://127.0.0.1:{port}");
                    mirrorProcesses.Add(mirror);
                    mirrorRefs.Add((cosigner, mirror.Url));
                }

                await System.IO.File.WriteAllTextAsync(Path.Combine(data, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["witnesses"] = refs.Select(r => new Dictionary<string, string> { ["key"] = r.Cosigner, ["url"] = r.Url }).ToArray(),
                    ["quorum"] = witnesses,
                    ["mirrors"] = mirrorRefs.Select(r => new Dictionary<string, string> { ["key"] = r.Cosigner, ["url"] = r.Url }).ToArray(),
                    ["witnessIntervalMs"] = 100,
                }));
                serve.AddRange(["--config", Path.Combine(data, "config.json")]);
                string[] members = [.. refs.Select((_, i) => $"w{i + 1}"), .. mirrorRefs.Select((_, i) => $"m{i + 1}")];
                await System.IO.File.WriteAllTextAsync(Path.Combine(folder, "witness-policy.txt"),
                    $"log {logKey.VerifierKey}\n" + string.Concat(refs.Select((r, i) => $"witness w{i + 1} {r.Cosigner}\n"))
                    + string.Concat(mirrorRefs.Select((r, i) => $"witness m{i + 1} {r.Cosigner}\n"))
                    + $"group all-witnesses all {string.Join(' ', members)}\nquorum all-witnesses\n");
                boardPortChosen = port0;
            }

            int boardPort = boardPortChosen ?? ServerProcess.FreePort();
            ServerProcess board = await ServerProcess.StartAsync("entente serve", boardPort, "board", [.. serve, "--urls", $"http://127.0.0.1:{boardPort}"]);
            return new BoardProcess(folder, board, started, mirrorProcesses);
        }
        catch
        {
            foreach (ServerProcess s in started.Concat(mirrorProcesses))
            {
                s.Dispose();
            }

            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>What the server printed so far.</summary>
    public string Log => _board.Log;

    /// <summary>GET a board path as JSON.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using HttpClient http = new() { BaseAddress = new Uri(Url) };
        using JsonDocument document = JsonDocument.Parse(await http.GetStringAsync(path));
        return document.RootElement.Clone();
    }

    /// <summary>GET a board path as text.</summary>
    public async Task<string> GetTextAsync(string path)
    {
        using HttpClient http = new() { BaseAddress = new Uri(Url) };
        return await http.GetStringAsync(path);
    }

    /// <summary>The log's size (entries), from the board's status.</summary>
    public async Task<long> LogSizeAsync() => (await GetJsonAsync("board")).GetProperty("log_size").GetInt64();

    public void Dispose()
    {
        _board.Dispose();
        foreach (ServerProcess server in Witnesses.Concat(Mirrors))
        {
            server.Dispose();
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // the killed server may hold its database briefly; temporary files are best effort
        }
    }
}

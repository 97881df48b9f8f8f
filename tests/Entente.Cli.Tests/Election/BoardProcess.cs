using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Entente.Transparency.Notes;

namespace Entente.Cli.Tests.Election;

/// <summary>
/// A real board: <c>entente serve</c> in its own process on a free loopback port, over a data folder holding the
/// charter of a tiny unit (blue: party, guardian 1, auditor; red: party, guardians 2 and 3, auditor; devices device-1
/// and device-2), and each member's key file beside it. Disposing stops the process this fixture started (by its id)
/// and deletes the folder.
/// </summary>
internal sealed class BoardProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log;

    private BoardProcess(string folder, int port, Process process, System.Text.StringBuilder log)
    {
        _log = log;
        Folder = folder;
        Url = $"http://127.0.0.1:{port}/";
        _process = process;
    }

    /// <summary>The temporary folder: the board's data in <c>board/</c>, the key files and anything the test writes.</summary>
    public string Folder { get; }

    /// <summary>The board's URL.</summary>
    public string Url { get; }

    /// <summary>A path in the folder.</summary>
    public string File(string name) => Path.Combine(Folder, name);

    /// <summary>The key file of a charter member (blue.example, red.example, device-1, device-2).</summary>
    public string Key(string member) => File(member + ".key");

    /// <summary>Writes the keys and the charter, starts <c>entente serve</c> and waits until it answers.</summary>
    public static async Task<BoardProcess> StartAsync()
    {
        string folder = Directory.CreateTempSubdirectory("entente-cli-board-").FullName;
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
              { "name": "blue.example", "key": "{{keys["blue.example"]}}", "roles": ["party", "guardian", "auditor"], "guardians": [1] },
              { "name": "red.example", "key": "{{keys["red.example"]}}", "roles": ["party", "guardian", "auditor"], "guardians": [2, 3] },
              { "name": "device-1", "key": "{{keys["device-1"]}}", "roles": ["device"] },
              { "name": "device-2", "key": "{{keys["device-2"]}}", "roles": ["device"] } ] }
            """);
        int port = FreePort();
        System.Text.StringBuilder log = new();
        Process process = EntenteProcess.Start(log, "serve", "--data", data, "--urls", $"http://127.0.0.1:{port}", "--origin", "cli.test/board");
        BoardProcess board = new(folder, port, process, log);
        using HttpClient http = new() { BaseAddress = new Uri(board.Url) };
        for (int attempt = 0; attempt < 300; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"entente serve exited {process.ExitCode}: {board.Log}");
            }

            try
            {
                if ((await http.GetAsync("board")).StatusCode == HttpStatusCode.OK)
                {
                    return board;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(50);
        }

        board.Dispose();
        throw new TimeoutException("entente serve did not answer within 15 s");
    }

    /// <summary>What the server printed so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>GET a board path as JSON.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using HttpClient http = new() { BaseAddress = new Uri(Url) };
        using JsonDocument document = JsonDocument.Parse(await http.GetStringAsync(path));
        return document.RootElement.Clone();
    }

    /// <summary>The log's size (entries), from the board's status.</summary>
    public async Task<long> LogSizeAsync() => (await GetJsonAsync("board")).GetProperty("log_size").GetInt64();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // the killed server may hold its database briefly; temporary files are best effort
        }
    }

    private static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

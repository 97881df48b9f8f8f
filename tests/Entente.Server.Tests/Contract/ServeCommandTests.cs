using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Entente.Cli.Commands;
using Entente.Client.Board;
using Entente.Server.Board;
using Entente.Server.Log;
using Entente.Transparency.Notes;

namespace Entente.Server.Tests.Contract;

/// <summary><c>entente serve</c>: configuration precedence and a real board on loopback.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public void Flags_beat_environment_which_beats_the_file_which_beats_defaults()
    {
        string dir = Directory.CreateTempSubdirectory("entente-serve-config-").FullName;
        string file = Path.Combine(dir, "board.json");
        File.WriteAllText(file, """{ "origin": "file.example/board", "rateLimit": { "permitsPerSecond": 5, "burst": 6 }, "limits": { "maxBallotBytes": 123456 } }""");
        Environment.SetEnvironmentVariable("ENTENTE_RATELIMIT__BURST", "7");
        try
        {
            (LogServerOptions options, string urls) = ServeCommand.LoadOptions(file, null, new Dictionary<string, string?> { ["store"] = "postgres:Host=db", ["urls"] = "http://127.0.0.1:6000" });
            Assert.Equal("file.example/board", options.Origin);
            Assert.Equal(5, options.RateLimit.PermitsPerSecond);
            Assert.Equal(7, options.RateLimit.Burst);
            Assert.Equal(123456, options.Limits.MaxBallotBytes);
            Assert.Equal("postgres:Host=db", options.Store);
            Assert.Equal("charter.json", options.Charter);
            Assert.Equal(dir, options.BaseDirectory);
            Assert.True(options.Board);
            Assert.Equal("http://127.0.0.1:6000", urls);

            (LogServerOptions defaults, string defaultUrls) = ServeCommand.LoadOptions(null, dir, new Dictionary<string, string?>());
            Assert.Equal("sqlite:board.db", defaults.Store);
            Assert.Equal(ServeCommand.DefaultUrls, defaultUrls);
            Assert.StartsWith("http://127.0.0.1:", defaultUrls, StringComparison.Ordinal);
            Assert.Throws<FileNotFoundException>(() => ServeCommand.LoadOptions(Path.Combine(dir, "missing.json"), null, new Dictionary<string, string?>()));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ENTENTE_RATELIMIT__BURST", null);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Entente_serve_creates_the_log_and_serves_the_board_on_loopback_until_cancelled()
    {
        string dir = Directory.CreateTempSubdirectory("entente-serve-").FullName;
        using Ed25519NoteSigner blue = Ed25519NoteSigner.Generate("Blue");
        await File.WriteAllTextAsync(Path.Combine(dir, "charter.json"), $$"""{ "parties": [ { "name": "Blue", "key": "{{blue.VerifierKey}}", "roles": ["party"] } ] }""");
        int port = TestBoard.FreePort();
        using CancellationTokenSource stop = new();
        StringWriter output = new();
        StringWriter error = new();
        RootCommand root = Entente.Cli.Program.BuildRootCommand();

        // Without a charter the command refuses to start and says what to do.
        string empty = Directory.CreateTempSubdirectory("entente-serve-empty-").FullName;
        int refused = await root.Parse(["serve", "--data", empty, "--urls", $"http://127.0.0.1:{port}"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.Equal(2, refused);
        Assert.Contains("charter", error.ToString(), StringComparison.Ordinal);

        Task<int> serving = root.Parse(["serve", "--data", dir, "--urls", $"http://127.0.0.1:{port}", "--origin", "serve.test/board"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, stop.Token);
        try
        {
            using BoardClient client = new(new Uri($"http://127.0.0.1:{port}/"), blue);
            JsonElement status = default;
            for (int attempt = 0; attempt < 200 && !serving.IsCompleted; attempt++)
            {
                try
                {
                    status = await client.Http.GetFromJsonAsync<JsonElement>("board");
                    break;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(50);
                }
            }

            Assert.False(serving.IsCompleted, $"serve exited: {output}\n{error}");
            Assert.Equal("charter", status.GetProperty("stage").GetString());
            byte[] charter = await File.ReadAllBytesAsync(Path.Combine(dir, "charter.json"));
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("board/charter", charter, "charter")).StatusCode);
            Assert.Equal(charter, await client.Http.GetByteArrayAsync("board/charter"));
            Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("openapi/v1.json")).StatusCode);
            Assert.StartsWith("serve.test/board\n1\n", await client.Http.GetStringAsync("checkpoint"), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await serving);
        Assert.Contains($"http://127.0.0.1:{port}", output.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "board.db")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "log.key")));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
        Directory.Delete(empty, recursive: true);
    }

    [Fact]
    public async Task Serve_refuses_a_listen_address_in_use_out_of_range_or_malformed_with_exit_2_and_one_line_before_any_work()
    {
        string dir = Directory.CreateTempSubdirectory("entente-serve-port-").FullName;
        using Ed25519NoteSigner blue = Ed25519NoteSigner.Generate("Blue");
        await File.WriteAllTextAsync(Path.Combine(dir, "charter.json"), $$"""{ "parties": [ { "name": "Blue", "key": "{{blue.VerifierKey}}", "roles": ["party"] } ] }""");
        using System.Net.Sockets.TcpListener busy = new(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        try
        {
            foreach (string urls in new[] { $"http://127.0.0.1:{port}", "http://127.0.0.1:70000", "http://127.0.0.1:-1", "not a url", "ftp://127.0.0.1:5080" })
            {
                StringWriter output = new();
                StringWriter error = new();
                int code = await Entente.Cli.Program.BuildRootCommand().Parse(["serve", "--data", dir, "--urls", urls])
                    .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
                string text = error.ToString();
                Assert.True(code == 2, $"{urls}: exit {code}\n{output}\n{text}");
                Assert.Single(text.TrimEnd('\n').Split('\n'));
                Assert.StartsWith("error: ", text, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
                Assert.False(File.Exists(Path.Combine(dir, "log.key")), $"{urls}: serve did work before checking its address");
                Assert.False(File.Exists(Path.Combine(dir, "board.db")), $"{urls}: serve did work before checking its address");
            }
        }
        finally
        {
            busy.Stop();
            Directory.Delete(dir, recursive: true);
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Entente.Cli.Tests.Election;
using Entente.Transparency;
using Entente.Transparency.Notes;
using static Entente.Cli.Tests.Election.BoardSteps;

namespace Entente.Cli.Tests.EndToEnd;

/// <summary>
/// The monitor as a separate process (issue #17, part 2): a board whose log key signs a second checkpoint of the size it
/// published with another root (the fork made in the test, served as a mirror's view) is caught by <c>entente monitor</c>,
/// whose evidence <c>entente monitor check-evidence</c> verifies offline and which it files on the board's exchange as a
/// signed incident. On the tiny group.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class MonitorEndToEndTests
{
    [Fact]
    public async Task A_forked_checkpoint_is_caught_by_the_monitor_with_evidence_that_checks_offline_and_is_filed_on_the_exchange()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1);
        await CeremonyAsync(board);
        long size = await MirrorEndToEndTests.WaitPublishedAsync(board, await board.LogSizeAsync());
        string logKey = MirrorEndToEndTests.LogKey(board);
        string dir = board.File("monitor");
        string[] monitor = ["monitor", "--log", board.Url, "--key", logKey, "--policy", board.PolicyFile, "--party-key", board.Key("blue.example"), "--dir", dir, "--once", "--json"];

        (int code, string output, string error) = EntenteProcess.Run(monitor);
        Assert.True(code == 0, $"monitor exited {code}\nstdout: {output}\nstderr: {error}");
        using (JsonDocument clean = JsonDocument.Parse(output))
        {
            Assert.True(clean.RootElement.GetProperty("ok").GetBoolean());
            Assert.Equal(size, clean.RootElement.GetProperty("size").GetInt64());
        }

        // The fork: the board's own log key signs another tree of the published size, served to the monitor as a mirror's view.
        using Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(Path.Combine(board.Data, "log.key"))).Trim());
        string fork = key.SignNote(new Checkpoint(BoardProcess.Origin, size, Hash256.Compute(Encoding.UTF8.GetBytes("another tree"))).ToText()).ToString();
        int port = ServerProcess.FreePort();
        using HttpListener listener = new();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        Task serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                byte[] body = Encoding.UTF8.GetBytes(fork);
                context.Response.StatusCode = context.Request.Url!.AbsolutePath == "/checkpoint" ? 200 : 404;
                await context.Response.OutputStream.WriteAsync(context.Response.StatusCode == 200 ? body : []);
                context.Response.Close();
            }
        });

        (code, output, error) = EntenteProcess.Run([.. monitor, "--mirror", $"http://127.0.0.1:{port}/", "--server", board.Url]);
        listener.Stop();
        Assert.True(code == 1, $"monitor exited {code}\nstdout: {output}\nstderr: {error}");
        using JsonDocument found = JsonDocument.Parse(output);
        string evidence = Assert.Single(found.RootElement.GetProperty("evidence").EnumerateArray()).GetString()!;
        Assert.Contains("split-view", evidence, StringComparison.Ordinal);
        Assert.Single(found.RootElement.GetProperty("incidents").EnumerateArray());

        (code, output, error) = EntenteProcess.Run("monitor", "check-evidence", evidence, "--key", logKey, "--json");
        Assert.True(code == 0, $"check-evidence exited {code}\nstdout: {output}\nstderr: {error}");
        using JsonDocument verdict = JsonDocument.Parse(output);
        Assert.True(verdict.RootElement.GetProperty("proven").GetBoolean());
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"two different trees of size {size}"), verdict.RootElement.GetProperty("finding").GetString(), StringComparison.Ordinal);

        // The same file with the fork's root put back to the board's proves nothing: check-evidence exits 1.
        string forged = board.File("forged.json");
        Entente.Transparency.Mirror.LogEvidence kept = Entente.Transparency.Mirror.LogEvidence.Parse(await File.ReadAllBytesAsync(evidence));
        string published = await board.GetTextAsync("checkpoint");
        await File.WriteAllBytesAsync(forged, (kept with { Checkpoints = [kept.Checkpoints[0], fork.Replace(fork.Split('\n')[2], published.Split('\n')[2], StringComparison.Ordinal)] }).ToJson());
        Assert.Equal(1, EntenteProcess.Run("monitor", "check-evidence", forged, "--key", logKey).Code);

        // The incident is on the exchange: a request for assistance from blue, readable by red.
        (code, output, error) = EntenteProcess.Run("incident", "list", "--server", board.Url, "--key", board.Key("red.example"), "--policy", board.PolicyFile, "--json");
        Assert.True(code == 0, $"incident list exited {code}\nstdout: {output}\nstderr: {error}");
        Assert.Contains("Board misbehaviour found by the monitor", output, StringComparison.Ordinal);
        await serving;
    }
}

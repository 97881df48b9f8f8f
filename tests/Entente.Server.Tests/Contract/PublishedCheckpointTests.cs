using System.CommandLine;
using System.Net;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Microsoft.AspNetCore.Builder;
using Hash256 = Entente.Transparency.Hash256;

namespace Entente.Server.Tests.Contract;

/// <summary>
/// <c>GET /checkpoint</c> is the latest checkpoint that satisfies the board's witness policy, with the witnesses'
/// cosignature lines, on every board Entente serves, so that <c>entente log verify --policy</c> passes (issue #13,
/// item 6): a board whose witnesses are reachable, the same board restarted without them, and a finished demo.
/// </summary>
public sealed class PublishedCheckpointTests
{
    /// <summary>Runs <c>entente log verify</c> in process; returns its exit code and what it printed.</summary>
    private static async Task<(int Code, string Output)> LogVerifyAsync(string url, string logKey, string policyFile)
    {
        string state = Path.Combine(Directory.CreateTempSubdirectory("entente-verify-state-").FullName, "state");
        StringWriter output = new();
        StringWriter error = new();
        TextWriter console = Console.Out;
        Console.SetOut(output);
        try
        {
            int code = await Entente.Cli.Program.BuildRootCommand()
                .Parse(["log", "verify", "--url", url, "--key", logKey, "--policy", policyFile, "--state", state])
                .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
            return (code, output + "\n" + error);
        }
        finally
        {
            Console.SetOut(console);
        }
    }

    private static async Task<SignedNote> WaitForCheckpointAsync(HttpClient http, Func<SignedNote, bool> done)
    {
        SignedNote note = null!;
        for (int attempt = 0; attempt < 200; attempt++)
        {
            note = SignedNote.Parse(await http.GetByteArrayAsync("checkpoint"));
            if (done(note))
            {
                return note;
            }

            await Task.Delay(50);
        }

        return note;
    }

    [Fact]
    public async Task A_board_restarted_without_its_witnesses_publishes_the_checkpoint_they_cosigned_and_log_verify_passes()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        using Ed25519NoteSigner secondKey = Ed25519NoteSigner.Generate("witness.blue.example");
        await File.WriteAllTextAsync(Path.Combine(board.Dir, "witness2.key"), secondKey.ExportSkey());
        WitnessServerOptions second = new()
        {
            Key = "witness2.key", Store = "sqlite:witness2.db", BaseDirectory = board.Dir,
            Logs = [new WitnessedLogRef { Origin = TestBoard.Origin, Keys = [board.LogKey.VerifierKey] }],
        };
        string policyFile = Path.Combine(board.Dir, "policy.txt");
        await File.WriteAllTextAsync(policyFile,
            $"log {board.LogKey.VerifierKey}\nwitness red {board.WitnessKey.CosignerVerifierKey}\nwitness blue {secondKey.CosignerVerifierKey}\ngroup both all red blue\nquorum both\n");
        TrustPolicy policy = TrustPolicy.Parse(await File.ReadAllTextAsync(policyFile));
        SignedNote cosigned;
        await using (WebApplication w1 = await board.StartWitnessAsync())
        await using (WebApplication w2 = await ServerApp.BuildWitnessAsync(second, "http://127.0.0.1:0"))
        {
            await w2.StartAsync();
            board.Options.Witnesses =
            [
                new() { Key = board.WitnessKey.CosignerVerifierKey, Url = TestBoard.Address(w1) },
                new() { Key = secondKey.CosignerVerifierKey, Url = TestBoard.Address(w2) },
            ];
            board.Options.Quorum = 2;
            board.Options.WitnessIntervalMs = 50;
            await using (WebApplication log = await board.StartLogAsync())
            {
                using HttpClient http = TestBoard.Signed(log, board.Blue);
                for (int i = 0; i < 4; i++)
                {
                    byte[] e = new LogEntry("incident.report", Hash256.Compute([(byte)i]), "blue.example").Sign(board.Blue);
                    Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("add", new ByteArrayContent(e))).StatusCode);
                }

                cosigned = await WaitForCheckpointAsync(http, n => n.Text.Split('\n')[1] == "4" && policy.Check(n).QuorumMet);
                Assert.True(policy.Check(cosigned).QuorumMet, cosigned.ToString());
                (int code, string output) = await LogVerifyAsync(TestBoard.Address(log), board.LogKey.VerifierKey, policyFile);
                Assert.True(code == 0, output);
                await log.StopAsync();
            }

            await w1.StopAsync();
            await w2.StopAsync();
        }

        // The same configuration, its witnesses gone: the stored cosigned checkpoint is published, also once the log
        // has grown past it.
        await using WebApplication again = await board.StartLogAsync();
        using HttpClient after = TestBoard.Signed(again, board.Blue);
        Assert.Equal(cosigned.ToString(), await after.GetStringAsync("checkpoint"));
        byte[] fifth = new LogEntry("incident.report", Hash256.Compute([5]), "blue.example").Sign(board.Blue);
        Assert.Equal(HttpStatusCode.OK, (await after.PostAsync("add", new ByteArrayContent(fifth))).StatusCode);
        Assert.Equal(cosigned.ToString(), await after.GetStringAsync("checkpoint"));
        (int again1, string againOutput) = await LogVerifyAsync(TestBoard.Address(again), board.LogKey.VerifierKey, policyFile);
        Assert.True(again1 == 0, againOutput);
    }
}

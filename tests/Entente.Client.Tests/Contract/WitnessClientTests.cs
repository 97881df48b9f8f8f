using System.Text;
using Entente.Client.Tests.Support;
using Entente.Client.Witness;
using Entente.Server;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Client.Tests.Contract;

/// <summary>WitnessClient against a real witness server (what <c>entente witness serve</c> runs) on loopback.</summary>
public sealed class WitnessClientTests : IAsyncLifetime
{
    private const string Origin = "entente.test/witnessed";
    private readonly string _dir = Directory.CreateTempSubdirectory("entente-witness-client-").FullName;
    private readonly Ed25519NoteSigner _log = Ed25519NoteSigner.Generate(Origin);
    private readonly Ed25519NoteSigner _witness = Ed25519NoteSigner.Generate("witness.example");
    private WebApplication _app = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "witness.key"), _witness.ExportSkey());
        WitnessServerOptions options = new()
        {
            Key = "witness.key", Store = "sqlite:witness.db", BaseDirectory = _dir,
            Logs = [new WitnessedLogRef { Origin = Origin, Keys = [_log.VerifierKey] }],
        };
        _app = await ServerApp.BuildWitnessAsync(options, "http://127.0.0.1:0");
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    private byte[] Checkpoint(MemoryMerkleTree tree) =>
        _log.SignNote(new Checkpoint(Origin, tree.Size, tree.Root()).ToText()).ToBytes();

    [Fact]
    public async Task A_checkpoint_is_cosigned_a_stale_old_size_learns_the_witness_size_and_refusals_carry_the_reason()
    {
        using WitnessClient client = new(LoopbackBoard.Fast);
        MemoryMerkleTree tree = new();
        tree.AppendEntry("one"u8);
        tree.AppendEntry("two"u8);
        byte[] two = Checkpoint(tree);

        WitnessSubmission first = await client.AddCheckpointAsync(_address, 0, [], two);
        WitnessSubmission.Cosigned cosigned = Assert.IsType<WitnessSubmission.Cosigned>(first);
        NoteSignature line = Assert.Single(cosigned.Signatures);
        Assert.True(_witness.CosignatureVerifier.Verify(SignedNote.Parse(two).TextBytes, line.Signature));

        // The witness now holds size 2: a submission claiming old 0 is told the size to prove from.
        tree.AppendEntry("three"u8);
        byte[] three = Checkpoint(tree);
        Assert.Equal(new WitnessSubmission.SizeConflict(2), await client.AddCheckpointAsync(_address, 0, [], three));

        Hash256[] proof = MerkleMath.ConsistencyProof(tree, 2, 3);
        Assert.IsType<WitnessSubmission.Cosigned>(await client.AddCheckpointAsync(_address, 2, proof, three));

        // A bad proof (422) and a log the witness does not know (404) come back with the witness's reason.
        tree.AppendEntry("four"u8);
        WitnessSubmission.Refused badProof = Assert.IsType<WitnessSubmission.Refused>(await client.AddCheckpointAsync(_address, 3, [Hash256.Compute("x"u8)], Checkpoint(tree)));
        Assert.Equal(422, badProof.Status);
        Assert.False(string.IsNullOrWhiteSpace(badProof.Reason));
        using Ed25519NoteSigner stranger = Ed25519NoteSigner.Generate("stranger.example/log");
        byte[] strangerNote = stranger.SignNote(new Checkpoint("stranger.example/log", 1, Rfc6962.LeafHash("a"u8)).ToText()).ToBytes();
        Assert.Equal(404, Assert.IsType<WitnessSubmission.Refused>(await client.AddCheckpointAsync(_address, 0, [], strangerNote)).Status);
        Assert.Equal(400, Assert.IsType<WitnessSubmission.Refused>(await client.AddCheckpointAsync(_address, 0, [], Encoding.UTF8.GetBytes("not a note"))).Status);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _log.Dispose();
        _witness.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

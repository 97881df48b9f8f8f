using System.Text;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Server.Board;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Server.Tests.Unit;

/// <summary>The board's rules alone: no HTTP, no log, no store.</summary>
public sealed class BoardStateTests : IDisposable
{
    private const string Manifest = """
        {"label":"Unit election","contests":[{"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"}]}],
         "ballot_styles":[{"label":"all","contests":[1]}]}
        """;

    private readonly Ed25519NoteSigner _blue = Ed25519NoteSigner.Generate("blue");
    private readonly Ed25519NoteSigner _red = Ed25519NoteSigner.Generate("red");
    private readonly Charter _charter;

    public BoardStateTests()
    {
        _charter = Charter.Parse($$"""
            { "parties": [
              { "name": "blue", "key": "{{_blue.VerifierKey}}", "roles": ["party", "guardian"], "guardians": [1] },
              { "name": "red", "key": "{{_red.VerifierKey}}", "roles": ["party", "guardian"], "guardians": [2] } ] }
            """);
    }

    public void Dispose()
    {
        _blue.Dispose();
        _red.Dispose();
    }

    private static ElectionManifest ParsedManifest() => ManifestReader.Parse(Encoding.UTF8.GetBytes(Manifest), "manifest");

    private sealed class NoBallots : IBoardBallots
    {
        public IReadOnlySet<string> ChallengedIds() => new HashSet<string>();

        public bool? IsChallenged(string id) => null;

        public Task<EncryptedBallot> LoadAsync(string id, CancellationToken cancellationToken) => throw new InvalidOperationException("no ballots");

        public IAsyncEnumerable<EncryptedBallot> EachAsync(CancellationToken cancellationToken) => AsyncEnumerable.Empty<EncryptedBallot>();
    }

    [Fact]
    public void Parameters_before_the_manifest_are_refused_as_not_yet()
    {
        BoardState state = new(_charter);
        byte[] parameters = RecordFormat.WriteParameters(ElectionParameters.Create(Group.Tiny, ParsedManifest(), 2, 2));
        BoardRefusedException e = Assert.Throws<BoardRefusedException>(() => state.PrepareParameters(parameters, trusted: false));
        Assert.Equal(RefusalKind.Conflict, e.Refusal.Kind);
        Assert.Contains("manifest is not on the board", e.Refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_not_in_canonical_form_is_refused_and_the_canonical_one_advances_the_stage()
    {
        BoardState state = new(_charter);
        ElectionManifest manifest = ParsedManifest();
        BoardRefusedException e = Assert.Throws<BoardRefusedException>(() => state.PrepareManifest(Encoding.UTF8.GetBytes(Manifest)));
        Assert.Equal(RefusalKind.Invalid, e.Refusal.Kind);
        Assert.Equal("charter", state.Stage);

        PreparedArtifact prepared = state.PrepareManifest(manifest.CanonicalBytes);
        Assert.Equal("manifest", prepared.Type);
        Assert.Null(state.Manifest); // nothing changes until the artifact is logged and applied
        prepared.Apply();
        Assert.NotNull(state.Manifest);
        Assert.Equal("parameters", state.Stage);
    }

    [Fact]
    public void Parameters_naming_a_guardian_without_a_holder_in_the_charter_are_refused()
    {
        BoardState state = new(_charter);
        ElectionManifest manifest = ParsedManifest();
        state.PrepareManifest(manifest.CanonicalBytes).Apply();
        byte[] three = RecordFormat.WriteParameters(ElectionParameters.Create(Group.Tiny, manifest, 3, 2));
        BoardRefusedException e = Assert.Throws<BoardRefusedException>(() => state.PrepareParameters(three, trusted: false));
        Assert.Contains("guardian 3 has no holder", e.Refusal.Detail, StringComparison.Ordinal);

        byte[] two = RecordFormat.WriteParameters(ElectionParameters.Create(Group.Tiny, manifest, 2, 2));
        state.PrepareParameters(two, trusted: false).Apply();
        Assert.Equal("key-ceremony", state.Stage);
    }

    [Fact]
    public async Task A_ballot_before_the_joint_key_and_a_post_to_an_unknown_collection_are_refused_with_their_kinds()
    {
        BoardState state = new(_charter);
        BoardRefusedException early = Assert.Throws<BoardRefusedException>(() => state.PrepareBallot("{}"u8.ToArray(), "blue", trusted: false));
        Assert.Equal(RefusalKind.Conflict, early.Refusal.Kind);

        BoardKind unknown = BoardKind.Charter with { Collection = "nothing" };
        BoardRefusedException none = await Assert.ThrowsAsync<BoardRefusedException>(() => state.PrepareAsync(unknown, null, "blue", [], new NoBallots(), trusted: false, default));
        Assert.Equal(RefusalKind.NotFound, none.Refusal.Kind);
    }

    [Fact]
    public void A_charter_other_than_the_servers_is_refused_but_only_noted_on_replay()
    {
        BoardState state = new(_charter);
        byte[] other = Encoding.UTF8.GetBytes("{\"parties\":[]}");
        Assert.Equal(RefusalKind.Invalid, Assert.Throws<BoardRefusedException>(() => state.PrepareCharter(other, trusted: false)).Refusal.Kind);
        Assert.Empty(state.Problems);

        state.PrepareCharter(other, trusted: true).Apply();
        Assert.Single(state.Problems);
        Assert.True(state.HasCharter);
    }
}

using System.Net;
using System.Text.Json;
using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;
using Entente.Client.Board;

namespace Entente.Server.Tests;

/// <summary>
/// A ballot-polling audit (two contests; Bond only on batch T1's ballots) whose inputs and seed are on a test board, with
/// an audit directory beside it that draws the rounds: the tests post the rounds, readings and sign-offs they need.
/// </summary>
internal sealed class AuditOnBoard : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private AuditOnBoard(AuditDirectory audit, BoardClient blue, BoardClient red)
    {
        Audit = audit;
        Blue = blue;
        Red = red;
    }

    public AuditDirectory Audit { get; }

    public BoardClient Blue { get; }

    public BoardClient Red { get; }

    public string Id => Audit.State.AuditId;

    public string Seed { get; private set; } = "";

    /// <summary>The commitments' and reveals' log records, in log order.</summary>
    public List<SeedLogRecord> SeedRecords { get; } = [];

    /// <summary>The charter, the audit's inputs, both parties' commitments and reveals.</summary>
    public static async Task<AuditOnBoard> StartAsync(TestBoard board, Uri address, double alpha = 0.1) => await StartAsync(board, address, alpha, batch: false);

    /// <summary>
    /// As <see cref="StartAsync(TestBoard, Uri, double)"/> for a batch-comparison audit of the Siletz batch tallies
    /// (tests/vectors/rla-vendor/more/generated-jurisdiction: three batches, Minister of Farming).
    /// </summary>
    public static Task<AuditOnBoard> StartBatchAsync(TestBoard board, Uri address) => StartAsync(board, address, 0.1, batch: true);

    private static async Task<AuditOnBoard> StartAsync(TestBoard board, Uri address, double alpha, bool batch)
    {
        BoardClient blue = new(address, board.Blue), red = new(address, board.Red);
        using (HttpResponseMessage charter = await blue.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json")), "charter", cosigners: [board.Red]))
        {
            Assert.Equal(HttpStatusCode.Created, charter.StatusCode);
        }

        string manifest = Path.Combine(board.Dir, "m.csv"), results = Path.Combine(board.Dir, "r.csv");
        await File.WriteAllTextAsync(manifest, "Tabulator,Batch,Ballots\nT1,B1,300\nT2,B2,200\n");
        await File.WriteAllTextAsync(results, "Contest,Choice,Votes,Ballots\nMayor,Alice,300,500\nMayor,Bob,150,500\nBond,Yes,200,300\nBond,No,90,300\n");
        AuditSettings settings = new(AuditMethod.Bravo, alpha, manifest, results, null, ["blue.example", "red.example"], T, T.AddHours(1), T.AddHours(1), "entente", null, null);
        if (batch)
        {
            string siletz = Path.Combine(AppContext.BaseDirectory, "vectors", "rla-vendor", "siletz");
            await File.WriteAllTextAsync(results, "Contest,Choice,Votes,Ballots\nMinister of Farming,Erin George,41,57\nMinister of Farming,Alex Hall,5,57\nMinister of Farming,Write-In,0,57\n");
            settings = new AuditSettings(AuditMethod.Batch, alpha, Path.Combine(siletz, "siletz-ballot-manifest.csv"), results, null, ["blue.example", "red.example"], T, T.AddHours(1), T.AddHours(1), "entente", null, null)
            {
                BatchTalliesPath = Path.Combine(siletz, "siletz-minister-of-farming-candidate-totals-by-batch.csv"),
            };
        }

        AuditOnBoard a = new(AuditDirectory.Init(Path.Combine(board.Dir, "audit"), settings, TimeProvider.System), blue, red);
        await PostAsync(blue, "audit-inputs", AuditTrailArtifacts.InputsType, AuditTrailArtifacts.Write(a.Audit.InputsArtifact()));
        byte[] blueSecret = SeedProtocol.NewSecret(), redSecret = SeedProtocol.NewSecret();
        foreach ((BoardClient client, string party, byte[] secret) in new[] { (blue, "blue.example", blueSecret), (red, "red.example", redSecret) })
        {
            byte[] commitment = SeedProtocol.Commitment(a.Id, party, secret);
            long index = await PostAsync(client, "audit-commits", SeedArtifacts.CommitType, SeedArtifacts.Write(new SeedCommitArtifact(a.Id, party, ["blue.example", "red.example"], false, commitment)));
            a.SeedRecords.Add(new SeedLogRecord(a.Id, party, SeedRecordKind.Commit, commitment, index, DateTimeOffset.UnixEpoch));
        }

        foreach ((BoardClient client, string party, byte[] secret) in new[] { (blue, "blue.example", blueSecret), (red, "red.example", redSecret) })
        {
            long index = await PostAsync(client, "audit-reveals", SeedArtifacts.RevealType, SeedArtifacts.Write(new SeedRevealArtifact(a.Id, party, secret)));
            a.SeedRecords.Add(new SeedLogRecord(a.Id, party, SeedRecordKind.Reveal, secret, index, DateTimeOffset.UnixEpoch));
        }

        a.Seed = SeedProtocol.EvaluateOnBoard(a.Id, ["blue.example", "red.example"], false, a.SeedRecords).Seed!;
        return a;
    }

    /// <summary>Posts an artifact and returns its log index (the post must be logged).</summary>
    public static async Task<long> PostAsync(BoardClient client, string collection, string type, byte[] body)
    {
        using HttpResponseMessage posted = await client.PostAsync("board/" + collection, body, type);
        string text = await posted.Content.ReadAsStringAsync();
        Assert.True(posted.StatusCode == HttpStatusCode.Created, $"{collection}: {(int)posted.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("index").GetInt64();
    }

    /// <summary>Posts an artifact that must be refused; returns the status and the ProblemDetails' title and detail.</summary>
    public static async Task<(int Status, string Title, string Detail)> RefusedAsync(BoardClient client, string collection, string type, byte[] body)
    {
        using HttpResponseMessage posted = await client.PostAsync("board/" + collection, body, type);
        Assert.Equal("application/problem+json", posted.Content.Headers.ContentType?.MediaType);
        JsonElement problem = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement;
        return ((int)posted.StatusCode, problem.GetProperty("title").GetString()!, problem.GetProperty("detail").GetString()!);
    }

    /// <summary>Draws a round in the directory and posts its sample.</summary>
    public async Task<AuditRound> DrawAsync(long size)
    {
        AuditRound round = Audit.DrawRound(Seed, size);
        await PostAsync(Red, "audit-rounds", AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(Audit.RoundArtifact(round)));
        return round;
    }

    /// <summary>
    /// The reading of a ballot: the first ballot of the round not found, every other Mayor: Alice, and Bond: Yes on T1's
    /// ballots and not on T2's, read by <paramref name="board"/>. Recorded in the directory too.
    /// </summary>
    public AuditReadingArtifact Read(AuditRound round, AuditDraw d, string board = "Board 1")
    {
        bool notFound = d.BallotKey == round.Draws[0].BallotKey;
        AuditReadingArtifact reading = notFound
            ? new(Id, round.Number, board, d.Tabulator, d.Batch, d.Position, false, [])
            : new(Id, round.Number, board, d.Tabulator, d.Batch, d.Position, true,
                [new AuditContestReading("Mayor", true, ["Alice"]), d.Tabulator == "T1" ? new AuditContestReading("Bond", true, ["Yes"]) : new AuditContestReading("Bond", false, [])]);
        if (notFound)
        {
            Audit.Record(d.Tabulator, d.Batch, d.Position, null, [], false);
        }

        foreach (AuditContestReading c in reading.Contests)
        {
            Audit.Record(d.Tabulator, d.Batch, d.Position, c.Contest, c.Choices, c.OnBallot);
        }

        return reading;
    }

    public void Dispose()
    {
        Audit.Dispose();
        Blue.Dispose();
        Red.Dispose();
    }
}

using Entente.Audit.Io;
using Entente.Audit.Seed;
using Entente.Client.Board;
using Entente.Client.Http;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// The seed records of an audit whose seed is made on a board (docs/audit.md, "The seed on a board"): its
/// <c>audit.commit</c>, <c>audit.reveal</c> and <c>audit.dice</c> artifacts, each read from the board and checked
/// against the SHA-256 of its index entry, as <see cref="SeedLogRecord"/>s with their log index (the board's order
/// replaces the timestamps: <see cref="SeedProtocol.EvaluateOnBoard"/>). Reads need no key. Records are written by
/// their parties with <c>entente audit seed commit|reveal|dice --board</c>, never through this view.
/// </summary>
internal sealed class BoardSeedLog(Uri board) : IAuditLog
{
    private static readonly (string Collection, SeedRecordKind Kind)[] Collections =
        [("audit-commits", SeedRecordKind.Commit), ("audit-reveals", SeedRecordKind.Reveal), ("audit-dice", SeedRecordKind.Dice)];

    /// <inheritdoc/>
    public Task<SeedLogRecord> AppendAsync(string auditId, string party, SeedRecordKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        throw new AuditInputException(board.AbsoluteUri, 0, "", "this audit's seed is made on a board: post with `entente audit seed commit|reveal|dice --board URL --key KEY`");

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SeedLogRecord>> ReadAsync(string auditId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(auditId);
        using HttpClient http = new(new RetryHandler()) { BaseAddress = board };
        List<SeedLogRecord> records = [];
        try
        {
            foreach ((string collection, SeedRecordKind kind) in Collections)
            {
                foreach (BoardArtifact artifact in await http.ListAsync(collection, cancellationToken).ConfigureAwait(false))
                {
                    if (kind == SeedRecordKind.Dice ? artifact.Id != auditId : !artifact.Id.StartsWith(auditId + ":", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    string path = $"board/{collection}/{Uri.EscapeDataString(artifact.Id)}";
                    byte[] bytes = await http.ReadArtifactAsync(path, artifact.Sha256, cancellationToken).ConfigureAwait(false)
                        ?? throw new AuditInputException(board.AbsoluteUri + path, 0, "", "listed by the board but not served");
                    records.Add(Record(auditId, kind, board.AbsoluteUri + path, bytes, artifact.Index));
                }
            }
        }
        catch (BoardRequestException e)
        {
            throw new AuditInputException(e.Where, 0, "", $"{(e.Status is int s ? $"{s} " : "")}{e.Title}: {e.Detail}");
        }

        return [.. records.OrderBy(r => r.LogIndex)];
    }

    private static SeedLogRecord Record(string auditId, SeedRecordKind kind, string where, byte[] bytes, long index)
    {
        switch (kind)
        {
            case SeedRecordKind.Commit:
                SeedCommitArtifact commit = SeedArtifacts.ReadCommit(where, bytes);
                return new SeedLogRecord(auditId, commit.Party, kind, commit.Commitment, index, DateTimeOffset.UnixEpoch);
            case SeedRecordKind.Reveal:
                SeedRevealArtifact reveal = SeedArtifacts.ReadReveal(where, bytes);
                return new SeedLogRecord(auditId, reveal.Party, kind, reveal.Secret, index, DateTimeOffset.UnixEpoch);
            default:
                return new SeedLogRecord(auditId, "public", kind, System.Text.Encoding.ASCII.GetBytes(SeedArtifacts.ReadDice(where, bytes).Digits), index, DateTimeOffset.UnixEpoch);
        }
    }
}

using System.Globalization;
using Entente.Audit.Io;
using Entente.Transparency;

namespace Entente.Rolls;

/// <summary>One planned change: the CSV row, the artifact to log and the authority's database entry once it is logged.</summary>
/// <param name="Row">The CSV row it came from.</param>
/// <param name="VoterId">The voter.</param>
/// <param name="Change">The change.</param>
/// <param name="Artifact">Its canonical bytes.</param>
/// <param name="After">The voter's database entry once the change is logged.</param>
/// <param name="NewSalt">For a new registration, the salt to send the voter (formatted); otherwise null.</param>
public sealed record PlannedChange(int Row, string VoterId, RollChange Change, byte[] Artifact, RegisteredVoter After, string? NewSalt);

/// <summary>
/// The authority's change file (docs/rolls.md, "Importing changes"): a CSV with the columns op, voter_id, reason and,
/// as the operation needs, precinct, name, birth_date, address, at. Read with the audit's strict CSV reader; every row
/// is checked against the roll (as the board's rules will check it) before anything is posted, and a messy row is
/// refused with its row and column. For an update an empty cell keeps the current value; a removal needs only
/// voter_id and reason.
/// </summary>
public static class RollChangeFile
{
    private static readonly string[] Required = ["op", "voter_id"];
    private static readonly string[] Optional = ["precinct", "name", "birth_date", "address", "reason", "at"];

    /// <summary>Plans the changes of <paramref name="table"/> against the roll in <paramref name="registry"/>; throws <see cref="AuditInputException"/> naming row and column.</summary>
    public static IReadOnlyList<PlannedChange> Plan(CsvTable table, RollRegistry registry, string authority, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(clock);
        table.RequireColumns(Required, Optional);
        RollLedger ledger = registry.Ledger(authority);
        Dictionary<string, RegisteredVoter> voters = new(registry.Data.Voters, StringComparer.Ordinal);
        string jurisdiction = registry.Data.Jurisdiction;
        DateTimeOffset now = RollArtifacts.ToSecond(clock.GetUtcNow());
        List<PlannedChange> planned = [];
        foreach (CsvRow row in table.Rows)
        {
            string op = table.Text(row, "op").ToLowerInvariant();
            RollOperation operation = op switch
            {
                "add" => RollOperation.Add,
                "update" => RollOperation.Update,
                "remove" => RollOperation.Remove,
                _ => throw table.Error(row, "op", $"\"{op}\" is not an operation; expected add, update or remove."),
            };
            string voterId = Field(table, row, "voter_id", () => RollText.Token(table.Text(row, "voter_id"), "voter_id").ToUpperInvariant());
            voters.TryGetValue(voterId, out RegisteredVoter? current);
            VoterRecord? before = current?.ToRecord();
            string? Cell(string column) => table.Cell(row, column) is { Length: > 0 } s ? s : null;
            VoterRecord record = operation == RollOperation.Remove
                ? before ?? throw table.Error(row, "voter_id", "no voter with this id is in the roll; nothing to remove.")
                : Field(table, row, "", () => VoterRecord.Create(jurisdiction, voterId,
                    Cell("precinct") ?? before?.Precinct ?? throw table.Error(row, "precinct", "The cell is empty; a new registration needs a precinct."),
                    Cell("name") ?? before?.Name ?? throw table.Error(row, "name", "The cell is empty; a new registration needs a name."),
                    Cell("birth_date") ?? before?.BirthDate ?? throw table.Error(row, "birth_date", "The cell is empty; a new registration needs a date of birth."),
                    Cell("address") ?? before?.Address ?? throw table.Error(row, "address", "The cell is empty; a new registration needs an address.")));
            string reason = Cell("reason") ?? (operation == RollOperation.Add ? (current is null ? "new-registration" : "re-registration")
                : throw table.Error(row, "reason", $"The cell is empty; a{(operation == RollOperation.Update ? "n update" : " removal")} gives its reason code ({string.Join(", ", registry.Data.Reasons)})."));
            DateTimeOffset at = Cell("at") is string typed
                ? DateTimeOffset.TryParse(typed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t) ? RollArtifacts.ToSecond(t)
                    : throw table.Error(row, "at", $"\"{typed}\" is not a time; write ISO 8601, e.g. 2026-10-01T09:30:00Z.")
                : now;
            byte[] salt = current?.SaltBytes() ?? RollCommitments.NewSalt();
            Hash256 key = RollCommitments.Key(salt, record);
            RollRecordState? state = ledger.Rolls[jurisdiction].Records.GetValueOrDefault(key);
            RollChange change = new(jurisdiction, operation, key, (state?.Version ?? 0) + 1,
                operation == RollOperation.Remove ? null : RollCommitments.Commitment(salt, record), record.Precinct, reason, at, state?.Sha256);
            if (ledger.CheckChange(change, authority) is string problem)
            {
                string column = problem.StartsWith("$.precinct", StringComparison.Ordinal) ? "precinct"
                    : problem.StartsWith("$.reason", StringComparison.Ordinal) ? "reason"
                    : problem.StartsWith("$.at", StringComparison.Ordinal) ? "at"
                    : problem.StartsWith("$.op", StringComparison.Ordinal) ? "op" : "voter_id";
                throw table.Error(row, column, $"voter {voterId}: {problem[(problem.IndexOf(':', StringComparison.Ordinal) + 2)..]}.");
            }

            byte[] artifact = RollArtifacts.Write(change);
            Hash256 sha = Hash256.Compute(artifact);
            ledger.ApplyChange(change, sha);
            RegisteredVoter after = new()
            {
                Record = VoterRecordJson.From(record), Salt = Convert.ToHexStringLower(salt), Version = change.Version, Sha256 = sha.ToHex(), At = at,
                Registered = operation != RollOperation.Remove,
            };
            voters[voterId] = after;
            planned.Add(new PlannedChange(row.Row, voterId, change, artifact, after, current is null ? RollCommitments.FormatSalt(salt) : null));
        }

        return planned;
    }

    private static T Field<T>(CsvTable table, CsvRow row, string column, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (RollFormatException e)
        {
            string field = e.Message[..Math.Max(0, e.Message.IndexOf(':', StringComparison.Ordinal))];
            throw table.Error(row, column.Length > 0 ? column : field, e.Message[(e.Message.IndexOf(':', StringComparison.Ordinal) + 2)..]);
        }
    }
}

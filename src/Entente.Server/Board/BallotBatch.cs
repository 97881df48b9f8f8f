using System.Text.Json;

namespace Entente.Server.Board;

/// <summary>One ballot of a batch: its signed log entry and its canonical bytes (what is stored and hashed), both as posted.</summary>
/// <param name="Entry">The signed entry's bytes.</param>
/// <param name="Ballot">The ballot's bytes.</param>
public sealed record BatchBallot(byte[] Entry, byte[] Ballot);

/// <summary>Why a batch body was refused before any ballot was looked at.</summary>
public enum BatchProblem
{
    /// <summary>Not the batch document (named in the detail, with the item index).</summary>
    Malformed,

    /// <summary>More ballots than <see cref="BoardLimits.MaxBatchBallots"/>.</summary>
    TooMany,
}

/// <summary>
/// The body of <c>POST /board/ballots/batch</c> (docs/http-api.md, "Ballots in a batch"), read strictly:
/// <c>{"ballots":[{"entry":"&lt;base64&gt;","ballot":"&lt;base64&gt;"},…]}</c> — one member <c>ballots</c>, an array of 1 to
/// <see cref="BoardLimits.MaxBatchBallots"/> objects, each with exactly the members <c>entry</c> (base64 of the signed log
/// entry, as the <c>Entente-Entry</c> header carries it for a single post) and <c>ballot</c> (base64 of the ballot's canonical
/// bytes, at most <see cref="BoardLimits.MaxBallotBytes"/>), no other member, no member twice.
/// </summary>
public static class BallotBatch
{
    /// <summary>The parsed items, or why not (<see cref="BatchProblem"/> and a detail naming the item and the problem).</summary>
    public static (IReadOnlyList<BatchBallot>? Items, BatchProblem Problem, string? Detail) Parse(ReadOnlySpan<byte> body, BoardLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        int most = Math.Max(1, limits.MaxBatchBallots);
        List<BatchBallot> items = [];
        Utf8JsonReader reader = new(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 4 });
        string where = "body";
        try
        {
            Next(ref reader, JsonTokenType.StartObject, where, "an object {\"ballots\":[…]}");
            bool seen = false;
            while (Read(ref reader, where) != JsonTokenType.EndObject)
            {
                string name = reader.GetString()!;
                if (name != "ballots" || seen)
                {
                    return Fail(seen && name == "ballots" ? "body: member \"ballots\" appears twice." : $"body: unknown member \"{name}\"; the body is {{\"ballots\":[…]}}.");
                }

                seen = true;
                Next(ref reader, JsonTokenType.StartArray, "ballots", "an array");
                while (Read(ref reader, "ballots") != JsonTokenType.EndArray)
                {
                    where = $"ballots[{items.Count}]";
                    if (items.Count == most)
                    {
                        return (null, BatchProblem.TooMany, $"ballots: more than {most} ballots in one batch (limits.maxBatchBallots); post them in several batches.");
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return Fail($"{where}: not an object {{\"entry\":…,\"ballot\":…}}.");
                    }

                    byte[]? entry = null;
                    byte[]? ballot = null;
                    while (Read(ref reader, where) != JsonTokenType.EndObject)
                    {
                        string member = reader.GetString()!;
                        if (member is not ("entry" or "ballot"))
                        {
                            return Fail($"{where}: unknown member \"{member}\"; an item has exactly \"entry\" and \"ballot\".");
                        }

                        if ((member == "entry" ? entry : ballot) is not null)
                        {
                            return Fail($"{where}: member \"{member}\" appears twice.");
                        }

                        Next(ref reader, JsonTokenType.String, $"{where}.{member}", "a base64 string");
                        if (!reader.TryGetBytesFromBase64(out byte[]? bytes) || bytes.Length == 0)
                        {
                            return Fail($"{where}.{member}: not base64 of a non-empty {(member == "entry" ? "signed log entry" : "ballot")}.");
                        }

                        if (member == "ballot" && bytes.Length > limits.MaxBallotBytes)
                        {
                            return Fail($"{where}.ballot: {bytes.Length} bytes, more than a ballot's {limits.MaxBallotBytes} (limits.maxBallotBytes).");
                        }

                        if (member == "entry")
                        {
                            entry = bytes;
                        }
                        else
                        {
                            ballot = bytes;
                        }
                    }

                    if (entry is null || ballot is null)
                    {
                        return Fail($"{where}: member \"{(entry is null ? "entry" : "ballot")}\" is missing.");
                    }

                    items.Add(new BatchBallot(entry, ballot));
                }
            }

            if (!seen)
            {
                return Fail("body: member \"ballots\" is missing.");
            }

            if (reader.Read())
            {
                return Fail("body: content after the document.");
            }
        }
        catch (JsonException e)
        {
            return Fail($"{(items.Count > 0 || where != "body" ? where : "body")}: not JSON ({e.Message.Split(" Path:")[0]})");
        }
        catch (FormatException e)
        {
            return Fail(e.Message);
        }

        return items.Count == 0 ? Fail("ballots: the batch is empty; it carries 1 to " + most + " ballots.") : (items, BatchProblem.Malformed, null);
    }

    private static (IReadOnlyList<BatchBallot>?, BatchProblem, string?) Fail(string detail) => (null, BatchProblem.Malformed, detail);

    private static JsonTokenType Read(ref Utf8JsonReader reader, string where)
    {
        if (!reader.Read())
        {
            throw new FormatException($"{where}: the body ends early.");
        }

        return reader.TokenType;
    }

    private static void Next(ref Utf8JsonReader reader, JsonTokenType expected, string where, string what)
    {
        if (Read(ref reader, where) != expected)
        {
            throw new FormatException($"{where}: not {what}.");
        }
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using Entente.Cli.Commands.Record;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Cli.Commands.Log;

/// <summary>
/// <c>entente log append | get | proof | verify</c>: talk to a log server over HTTP through <see cref="LogClient"/>
/// (retries within a bound, every answer checked); errors go through <see cref="RemoteAction"/>.
/// </summary>
internal static class LogClientCommands
{
    private static Option<string> UrlOption() => new("--url") { Description = "The log server, e.g. http://127.0.0.1:8080/", Required = true };

    private static Option<double> TimeoutOption() => new("--timeout") { Description = "Seconds to keep retrying a log that does not answer (default 60).", DefaultValueFactory = _ => 60 };

    public static Command Append()
    {
        Option<string> url = UrlOption();
        Option<double> timeout = TimeoutOption();
        Option<string> partyKey = new("--party-key") { Description = "The submitting party's private key file.", Required = true };
        Option<string> type = new("--type") { Description = "Artifact type, e.g. incident.report.", Required = true };
        Option<string> file = new("--file") { Description = "The artifact; uploaded as a blob, the entry commits to its SHA-256.", Required = true };
        Option<string> ballot = new("--ballot") { Description = "Ballot id lookup field." };
        Option<string> code = new("--code") { Description = "Confirmation code lookup field." };
        Command command = new("append", "Upload an artifact and append its signed commitment to the log.") { url, timeout, partyKey, type, file, ballot, code };
        command.SetAction(async (parse, ct) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            using Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(parse.GetValue(partyKey)!, ct)).Trim());
            byte[] artifact = await File.ReadAllBytesAsync(parse.GetValue(file)!, ct);

            // Writes are signed requests (RFC 9421) by the same key that signs the entry; each retry is signed afresh.
            using LogClient log = new(RemoteAction.Url(parse.GetValue(url)!, "--url"), RemoteAction.Retry(parse.GetValue(timeout)), new HttpSignatureHandler(key));
            Hash256 sha256 = await log.PutBlobAsync(artifact, ct);
            LogEntry entry = new(parse.GetValue(type)!, sha256, key.Name, parse.GetValue(ballot), parse.GetValue(code));
            AddResponse added = await log.AddAsync(entry.Sign(key), ct);
            stdout.WriteLine($"index {added.Index.ToString(CultureInfo.InvariantCulture)}{(added.Duplicate ? " (already logged)" : "")}");
            stdout.WriteLine($"sha256 {sha256.ToHex()}");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Get()
    {
        Option<string> url = UrlOption();
        Option<double> timeout = TimeoutOption();
        Option<string> key = new("--key") { Description = "The log's verifier key: the checkpoint must carry its signature (without it, the entry is proven against an unauthenticated checkpoint)." };
        Argument<long> index = new("INDEX") { Description = "Entry index." };
        Command command = new("get", "Print an entry, proven included in the current checkpoint's tree through the tiles.") { url, timeout, key, index };
        command.SetAction(async (parse, ct) =>
        {
            using LogClient log = new(RemoteAction.Url(parse.GetValue(url)!, "--url"), RemoteAction.Retry(parse.GetValue(timeout)));
            SignedCheckpoint checkpoint = await log.GetCheckpointAsync(ct);
            if (parse.GetValue(key) is string k)
            {
                CheckpointVerification verified = CheckpointVerification.Check(checkpoint, VerifierKeys.Parse(k), null);
                if (!verified.Valid)
                {
                    return RemoteAction.Fail(parse.InvocationConfiguration.Error, "checkpoint: " + string.Join("; ", verified.Failures), ExitCodes.CheckFailed);
                }
            }

            long i = parse.GetValue(index);
            if (i < 0 || i >= checkpoint.Checkpoint.Size)
            {
                return RemoteAction.Fail(parse.InvocationConfiguration.Error, $"entry {i} is not in the log (size {checkpoint.Checkpoint.Size}).", ExitCodes.UsageOrInput);
            }

            byte[] entry = await log.GetEntryAsync(checkpoint.Checkpoint, i, ct);
            parse.InvocationConfiguration.Output.Write(Encoding.UTF8.GetString(entry));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Proof()
    {
        Option<string> url = UrlOption();
        Option<double> timeout = TimeoutOption();
        Argument<long> index = new("INDEX") { Description = "Entry index." };
        Option<string> output = new("--out") { Description = "Write the .tlog-proof here instead of standard output." };
        Command command = new("proof", "Fetch a tlog-proof receipt (inclusion proof + cosigned checkpoint) for an entry.") { url, timeout, output, index };
        command.SetAction(async (parse, ct) =>
        {
            using LogClient log = new(RemoteAction.Url(parse.GetValue(url)!, "--url"), RemoteAction.Retry(parse.GetValue(timeout)));
            string text = (await log.GetReceiptAsync(parse.GetValue(index), ct)).ToString();
            if (parse.GetValue(output) is string path)
            {
                await File.WriteAllTextAsync(path, text, ct);
            }
            else
            {
                parse.InvocationConfiguration.Output.Write(text);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Verify()
    {
        Option<string> url = UrlOption();
        Option<double> timeout = TimeoutOption();
        Option<string> key = new("--key") { Description = "The log's verifier key (or a file holding it). Optional when the policy has a log line." };
        Option<string> policy = new("--policy") { Description = "A tlog-policy file (log key, witnesses and quorum) the checkpoint's cosignatures must satisfy." };
        Option<string> state = new("--state") { Description = "Where the last verified checkpoint is kept (default ~/.entente/log-state/<origin hash>)." };
        Option<string> entries = new("--entries") { Description = "Which entries to prove included through the tiles: all (default), none, or FROM:TO (from included, to excluded).", DefaultValueFactory = _ => "all" };
        Option<long[]> indexes = new("--index") { Description = "Also check this entry against the log's inclusion proof (/proof/inclusion); repeatable." };
        Command command = new("verify", "Follow the log as a client: signature, witness policy, consistency with the last checkpoint seen, and the inclusion of every entry (--entries).")
        {
            url, timeout, key, policy, state, entries, indexes,
        };
        command.SetAction((parse, ct) => VerifyAsync(parse,
            parse.GetValue(url)!, parse.GetValue(timeout), parse.GetValue(key), parse.GetValue(policy), parse.GetValue(state), parse.GetValue(entries)!, parse.GetValue(indexes) ?? [], ct));
        return command;
    }

    private static async Task<int> VerifyAsync(ParseResult parse, string url, double timeout, string? keyText, string? policyFile, string? stateFile, string entries, long[] indexes, CancellationToken ct)
    {
        TextWriter stdout = parse.InvocationConfiguration.Output;
        TextWriter stderr = parse.InvocationConfiguration.Error;
        INoteVerifier? logKey = null;
        TrustPolicy? trust = null;
        if (keyText is not null)
        {
            logKey = VerifierKeys.Parse(File.Exists(keyText) ? (await File.ReadAllTextAsync(keyText, ct)).Trim() : keyText);
        }

        if (policyFile is not null)
        {
            trust = TrustPolicy.Parse(await File.ReadAllTextAsync(policyFile, ct));
        }

        if (logKey is null && (trust is null || trust.Logs.Count == 0))
        {
            return RemoteAction.Fail(stderr, "give the log's key with --key, or a --policy with a log line: otherwise nothing vouches for the checkpoint.", ExitCodes.UsageOrInput);
        }

        (long From, long? To)? range = entries switch
        {
            "all" => (0, null),
            "none" => null,
            _ when entries.Split(':') is [string f, string t] && long.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out long from)
                && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long to) && from <= to => (from, to),
            _ => throw new FormatException($"--entries: \"{entries}\" is not all, none or FROM:TO."),
        };

        using LogClient log = new(RemoteAction.Url(url, "--url"), RemoteAction.Retry(timeout));
        CheckpointVerification verified = await log.GetVerifiedCheckpointAsync(logKey, trust, ct);
        Checkpoint cp = verified.Checkpoint.Checkpoint;
        if (!verified.LogSignatureValid)
        {
            return RemoteAction.Fail(stderr, "checkpoint: " + string.Join("; ", verified.Failures), ExitCodes.CheckFailed);
        }

        stdout.WriteLine($"ok checkpoint {cp.Origin} size {cp.Size} root {cp.Root.ToBase64()}");
        if (!verified.Valid)
        {
            return RemoteAction.Fail(stderr, "witness policy not met: " + string.Join("; ", verified.Failures), ExitCodes.CheckFailed);
        }

        if (verified.Policy is PolicyResult result)
        {
            stdout.WriteLine($"ok witness policy: cosigned by {string.Join(", ", result.Cosigned.Order(StringComparer.Ordinal))}");
        }

        string statePath = stateFile ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".entente", "log-state",
            Hash256.Compute(Encoding.UTF8.GetBytes(cp.Origin)).ToHex());
        if (File.Exists(statePath))
        {
            SignedCheckpoint previous = SignedCheckpoint.Parse(await File.ReadAllBytesAsync(statePath, ct));
            if (previous.Checkpoint.Size > cp.Size)
            {
                return RemoteAction.Fail(stderr, $"ROLLBACK: the log shows size {cp.Size} but size {previous.Checkpoint.Size} was seen before.", ExitCodes.CheckFailed);
            }

            if (!await log.VerifyConsistencyAsync(previous.Checkpoint, cp, ct))
            {
                return RemoteAction.Fail(stderr, $"FORK: the checkpoint at size {cp.Size} is not consistent with the one seen at size {previous.Checkpoint.Size}.", ExitCodes.CheckFailed);
            }

            stdout.WriteLine($"ok consistent with the checkpoint seen before (size {previous.Checkpoint.Size})");
        }

        if (range is { } r)
        {
            long first = r.From;
            long to = Math.Min(r.To ?? cp.Size, cp.Size);
            long included = 0;
            List<LogEntryRead> bad = [];
            await foreach (LogEntryRead read in log.ReadEntriesAsync(cp, Math.Min(first, to), to, ct))
            {
                if (read.Included)
                {
                    included++;
                }
                else
                {
                    bad.Add(read);
                }
            }

            foreach (LogEntryRead read in bad.Take(20))
            {
                stderr.WriteLine($"FAIL entry {read.Index}: {read.Failure}");
            }

            if (bad.Count > 0)
            {
                return RemoteAction.Fail(stderr, $"{bad.Count} entr{(bad.Count == 1 ? "y is" : "ies are")} not proven included in the checkpoint{(bad.Count > 20 ? " (the first 20 above)" : "")}.", ExitCodes.CheckFailed);
            }

            stdout.WriteLine($"ok entries [{Math.Min(first, to)}, {to}): {included} proven included through the tiles");
        }

        foreach (long i in indexes)
        {
            if (i < 0 || i >= cp.Size)
            {
                return RemoteAction.Fail(stderr, $"entry {i} is not in the checkpoint (size {cp.Size}).", ExitCodes.CheckFailed);
            }

            byte[] entry = await log.GetEntryAsync(cp, i, ct);
            if (!await log.VerifyInclusionAsync(cp, i, entry, ct))
            {
                return RemoteAction.Fail(stderr, $"entry {i}: the inclusion proof does not verify.", ExitCodes.CheckFailed);
            }

            stdout.WriteLine($"ok entry {i} included");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(statePath))!);
        await File.WriteAllBytesAsync(statePath, verified.Checkpoint.Note.ToBytes(), ct);
        return ExitCodes.Ok;
    }
}

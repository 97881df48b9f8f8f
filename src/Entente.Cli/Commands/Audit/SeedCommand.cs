using System.CommandLine;
using System.Text;
using Entente.Audit.Seed;
using Entente.Audit.Workflow;
using Entente.Cli.Commands.Election;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Transparency.Notes;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// <c>entente audit seed commit|reveal|dice|status</c>: the seed the parties make together, in the audit's local seed
/// log, or on a board with <c>--board URL --key KEY</c> (docs/audit.md, "The seed on a board"): each record is then a
/// board artifact signed by its party, the board enforcing the order (no reveal before every party committed, a reveal
/// matching its commitment, dice after every reveal and signed by every party), and the audit reads its seed there.
/// </summary>
internal static class SeedCommand
{
    public static Command Create()
    {
        Command command = new("seed", "Make the audit seed together: each party commits to a secret, then reveals it; anyone recomputes the seed from the log.");
        command.Subcommands.Add(Commit());
        command.Subcommands.Add(Reveal());
        command.Subcommands.Add(Dice());
        command.Subcommands.Add(Status());
        return command;
    }

    private static Option<string> Party() => new("--party") { Description = "Your party's name as listed at init." };

    private static Option<string> SecretFile() => new("--secret-file") { Description = "Where your party's 32-byte secret is kept (hex). Keep it private until you reveal." };

    private static Option<string> BoardOption() => new("--board") { Description = "Make the seed on the board at this URL (the record becomes a board artifact signed with --key) instead of the local seed log." };

    private static Option<string> KeyOption() => new("--key") { Description = "With --board: your charter key file (a member with the role auditor)." };

    /// <summary>The board and key of a board-mode command, or null without --board; binds the audit to that board.</summary>
    private static (Uri Board, Ed25519NoteSigner Key)? OnBoard(ParseResult parseResult, Option<string> board, Option<string> key, AuditDirectory audit)
    {
        if (parseResult.GetValue(board) is not string url)
        {
            return parseResult.GetValue(key) is null ? null : throw new UsageException("--key goes with --board.");
        }

        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--board must be an http:// or https:// URL, not '{url}'.");
        }

        if (audit.State.SeedBoard is string bound && bound != uri.AbsoluteUri)
        {
            throw new UsageException($"this audit's seed is made on {bound}, not on {uri.AbsoluteUri}.");
        }

        if (audit.State.SeedBoard is null)
        {
            if (new FileAuditLog(Path.Combine(audit.Path, AuditDirectory.LogFile)).ReadAsync(audit.State.AuditId, CancellationToken.None).GetAwaiter().GetResult().Count > 0)
            {
                throw new UsageException("this audit's seed is already being made in its local seed log; finish it there (without --board).");
            }

            audit.State.SeedBoard = uri.AbsoluteUri;
            audit.Save();
        }

        Ed25519NoteSigner signer = ElectionPlaceOptions.ReadKey(AuditCli.Require(parseResult, key));
        return (uri, signer);
    }

    /// <summary>Posts one seed artifact; prints what became of it, or the board's refusal on one line.</summary>
    internal static int Post(TextWriter output, TextWriter error, Uri board, Ed25519NoteSigner key, BoardTarget target, byte[] artifact, string what)
    {
        using BoardClient client = new(board, key, retry: RetryPolicy.Default);
        try
        {
            BoardPostOutcome outcome = client.PublishAsync(target, artifact).GetAwaiter().GetResult();
            string where = new Uri(board, target.Get).AbsoluteUri;
            AuditCli.Console(output).MarkupLine(Markup.Escape(outcome.State switch
            {
                BoardPostState.Logged => $"Logged {what} on the board: {where}",
                BoardPostState.AlreadyLogged => $"{char.ToUpperInvariant(what[0])}{what[1..]} was already on the board (nothing changed): {where}",
                _ => $"{char.ToUpperInvariant(what[0])}{what[1..]} signed by {string.Join(", ", outcome.Proposal!.SignedBy)}; waiting for {string.Join(", ", outcome.Proposal.Awaiting)} to sign the same.",
            }));
            return ExitCodes.Ok;
        }
        catch (BoardRequestException e)
        {
            error.WriteLine("error: " + CliSupport.OneLine(e.Message));
            return e.Corrupt || e.Status == 422 ? ExitCodes.CheckFailed : ExitCodes.UsageOrInput;
        }
    }

    private static string PartyOf(ParseResult parseResult, Option<string> party, Ed25519NoteSigner key, AuditDirectory audit)
    {
        string name = parseResult.GetValue(party) ?? key.Name;
        if (name != key.Name)
        {
            throw new UsageException($"--party \"{name}\" differs from the key's charter name \"{key.Name}\": on a board a party posts only its own records.");
        }

        return audit.State.Parties.Contains(name) ? name : throw new UsageException($"\"{name}\" is not a party of this audit. Parties: {string.Join(", ", audit.State.Parties)}.");
    }

    private static byte[] ReadSecret(string file)
    {
        string text = File.ReadAllText(file).Trim();
        byte[] secret;
        try
        {
            secret = Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw new UsageException("The secret file does not hold a hexadecimal secret.");
        }

        if (secret.Length != SeedProtocol.SecretLength)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            throw new UsageException($"The secret file must hold {SeedProtocol.SecretLength} bytes.");
        }

        return secret;
    }

    private static void WriteSecret(string file, byte[] secret)
    {
        using FileStream stream = new(file, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        stream.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(secret) + "\n"));
        stream.Flush(flushToDisk: true);
    }

    private static Command Commit()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> party = Party();
        Option<string> secretFile = SecretFile();
        Option<string> board = BoardOption();
        Option<string> key = KeyOption();
        Command command = new("commit", "Generate a secret, store it in --secret-file, and log its commitment (on a board with --board: run again with the same file, it posts the same commitment).") { dir, party, secretFile, board, key };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            using AuditDirectory audit = AuditCli.Open(parseResult, dir);
            string file = AuditCli.Require(parseResult, secretFile);
            if (OnBoard(parseResult, board, key, audit) is ({ } url, { } signer))
            {
                using (signer)
                {
                    string me = PartyOf(parseResult, party, signer, audit);
                    bool generated = !File.Exists(file);
                    byte[] secret = generated ? SeedProtocol.NewSecret() : ReadSecret(file);
                    try
                    {
                        if (generated)
                        {
                            WriteSecret(file, secret);
                        }

                        SeedCommitArtifact commit = new(audit.State.AuditId, me, audit.State.Parties, audit.State.HasDice, SeedProtocol.Commitment(audit.State.AuditId, me, secret));
                        return Post(output, error, url, signer, new BoardTarget("audit-commits", SeedArtifacts.Id(commit.AuditId, me), SeedArtifacts.CommitType, false, false),
                            SeedArtifacts.Write(commit), $"the commitment of {me}");
                    }
                    finally
                    {
                        System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
                    }
                }
            }

            string name = AuditCli.Require(parseResult, party);
            if (!audit.State.Parties.Contains(name))
            {
                throw new UsageException($"\"{name}\" is not a party of this audit. Parties: {string.Join(", ", audit.State.Parties)}.");
            }

            if (File.Exists(file))
            {
                throw new UsageException($"{file} exists; a secret is never overwritten. Choose another file.");
            }

            byte[] local = SeedProtocol.NewSecret();
            try
            {
                WriteSecret(file, local);
                byte[] commitment = SeedProtocol.Commitment(audit.State.AuditId, name, local);
                SeedLogRecord record = audit.Log.AppendAsync(audit.State.AuditId, name, SeedRecordKind.Commit, commitment, CancellationToken.None).GetAwaiter().GetResult();
                AuditCli.Console(output).MarkupLine($"Logged commitment of {Markup.Escape(name)} at index {record.LogIndex}: {Convert.ToHexStringLower(commitment)}");
                if (record.Timestamp >= audit.State.CommitBy)
                {
                    AuditCli.Console(output).MarkupLine("[bold]Warning:[/] the commit deadline has passed; this commitment will not count.");
                }
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(local);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Reveal()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> party = Party();
        Option<string> secretFile = SecretFile();
        Option<string> board = BoardOption();
        Option<string> key = KeyOption();
        Command command = new("reveal", "Log your secret after the commit deadline (on a board: once every party has committed; the board refuses it before).") { dir, party, secretFile, board, key };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            using AuditDirectory audit = AuditCli.Open(parseResult, dir);
            byte[] secret = ReadSecret(AuditCli.Require(parseResult, secretFile));
            try
            {
                if (OnBoard(parseResult, board, key, audit) is ({ } url, { } signer))
                {
                    using (signer)
                    {
                        string me = PartyOf(parseResult, party, signer, audit);
                        return Post(output, error, url, signer, new BoardTarget("audit-reveals", SeedArtifacts.Id(audit.State.AuditId, me), SeedArtifacts.RevealType, false, false),
                            SeedArtifacts.Write(new SeedRevealArtifact(audit.State.AuditId, me, secret)), $"the reveal of {me}");
                    }
                }

                string name = AuditCli.Require(parseResult, party);
                if (AuditCli.Clock.GetUtcNow() < audit.State.CommitBy)
                {
                    throw new UsageException($"Too early: reveal after the commit deadline ({audit.State.CommitBy:u}), or others could choose their secrets knowing yours.");
                }

                SeedLogRecord record = audit.Log.AppendAsync(audit.State.AuditId, name, SeedRecordKind.Reveal, secret, CancellationToken.None).GetAwaiter().GetResult();
                AuditCli.Console(output).MarkupLine($"Logged the reveal of {Markup.Escape(name)} at index {record.LogIndex}.");
                return ExitCodes.Ok;
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            }
        });
        return command;
    }

    private static Command Dice()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> digits = new("--digits") { Description = "The digits rolled in public with ten-sided dice." };
        Option<string> board = BoardOption();
        Option<string> key = KeyOption();
        Command command = new("dice", "Log public dice rolls (between the reveal deadline and the dice deadline; on a board: after every reveal, each party signing the same digits).") { dir, digits, board, key };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            using AuditDirectory audit = AuditCli.Open(parseResult, dir);
            string text = AuditCli.Require(parseResult, digits);
            byte[] payload = Encoding.ASCII.GetBytes(text);
            if (!SeedProtocol.IsValidDice(payload) || text.Any(c => c > '~'))
            {
                throw new UsageException($"Dice are 1 to {SeedProtocol.MaxDiceDigits} digits 0-9.");
            }

            if (OnBoard(parseResult, board, key, audit) is ({ } url, { } signer))
            {
                using (signer)
                {
                    if (!audit.State.HasDice)
                    {
                        throw new UsageException("This audit rolls no dice (no dice window after the reveals).");
                    }

                    return Post(output, error, url, signer, new BoardTarget("audit-dice", audit.State.AuditId, SeedArtifacts.DiceType, false, true),
                        SeedArtifacts.Write(new SeedDiceArtifact(audit.State.AuditId, text)), "the dice");
                }
            }

            SeedLogRecord record = audit.Log.AppendAsync(audit.State.AuditId, "public", SeedRecordKind.Dice, payload, CancellationToken.None).GetAwaiter().GetResult();
            AuditCli.Console(output).MarkupLine($"Logged dice at index {record.LogIndex}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status()
    {
        Option<string> dir = AuditCli.DirOption();
        Command command = new("status", "Show each party's part in the seed and the seed once final. Exit 1 while the seed is not available.") { dir };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            using AuditDirectory audit = AuditCli.Open(parseResult, dir);
            SeedResult result = audit.EvaluateSeedAsync(CancellationToken.None).GetAwaiter().GetResult();
            IAnsiConsole console = AuditCli.Console(output);
            Table table = new Table().AddColumns("Party", "Outcome", "Commit", "Reveal");
            foreach (PartyStatus p in result.Parties)
            {
                table.AddRow(Markup.Escape(p.Party), AuditReport.Outcome(p.Outcome), p.CommitIndex?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", p.RevealIndex?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
            }

            console.Write(table);
            foreach (string ignored in result.Ignored)
            {
                console.MarkupLine($"Ignored: {Markup.Escape(ignored)}");
            }

            console.MarkupLine(result.Seed is null ? "Seed: not available yet." : $"Seed: {result.Seed}");
            return result.Seed is null ? ExitCodes.CheckFailed : ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using System.Text;
using Entente.Audit.Seed;
using Entente.Audit.Workflow;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary><c>entente audit seed commit|reveal|dice|status</c>: the seed the parties make together.</summary>
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

    private static Command Commit()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> party = Party();
        Option<string> secretFile = SecretFile();
        Command command = new("commit", "Generate a secret, store it in --secret-file, and log its commitment.") { dir, party, secretFile };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            AuditDirectory audit = AuditCli.Open(parseResult, dir);
            string name = AuditCli.Require(parseResult, party);
            string file = AuditCli.Require(parseResult, secretFile);
            if (!audit.State.Parties.Contains(name))
            {
                throw new UsageException($"\"{name}\" is not a party of this audit. Parties: {string.Join(", ", audit.State.Parties)}.");
            }

            if (File.Exists(file))
            {
                throw new UsageException($"{file} exists; a secret is never overwritten. Choose another file.");
            }

            byte[] secret = SeedProtocol.NewSecret();
            try
            {
                using (FileStream stream = new(file, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    }

                    stream.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(secret) + "\n"));
                    stream.Flush(flushToDisk: true);
                }

                byte[] commitment = SeedProtocol.Commitment(audit.State.AuditId, name, secret);
                SeedLogRecord record = audit.Log.AppendAsync(audit.State.AuditId, name, SeedRecordKind.Commit, commitment, CancellationToken.None).GetAwaiter().GetResult();
                AuditCli.Console(output).MarkupLine($"Logged commitment of {Markup.Escape(name)} at index {record.LogIndex}: {Convert.ToHexStringLower(commitment)}");
                if (record.Timestamp >= audit.State.CommitBy)
                {
                    AuditCli.Console(output).MarkupLine("[bold]Warning:[/] the commit deadline has passed; this commitment will not count.");
                }
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
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
        Command command = new("reveal", "Log your secret after the commit deadline.") { dir, party, secretFile };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            AuditDirectory audit = AuditCli.Open(parseResult, dir);
            string name = AuditCli.Require(parseResult, party);
            string text = File.ReadAllText(AuditCli.Require(parseResult, secretFile)).Trim();
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
                throw new UsageException($"The secret file must hold {SeedProtocol.SecretLength} bytes.");
            }

            if (AuditCli.Clock.GetUtcNow() < audit.State.CommitBy)
            {
                throw new UsageException($"Too early: reveal after the commit deadline ({audit.State.CommitBy:u}), or others could choose their secrets knowing yours.");
            }

            SeedLogRecord record = audit.Log.AppendAsync(audit.State.AuditId, name, SeedRecordKind.Reveal, secret, CancellationToken.None).GetAwaiter().GetResult();
            AuditCli.Console(output).MarkupLine($"Logged the reveal of {Markup.Escape(name)} at index {record.LogIndex}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Dice()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> digits = new("--digits") { Description = "The digits rolled in public with ten-sided dice." };
        Command command = new("dice", "Log public dice rolls (between the reveal deadline and the dice deadline).") { dir, digits };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            AuditDirectory audit = AuditCli.Open(parseResult, dir);
            byte[] payload = Encoding.ASCII.GetBytes(AuditCli.Require(parseResult, digits));
            if (!SeedProtocol.IsValidDice(payload))
            {
                throw new UsageException($"Dice are 1 to {SeedProtocol.MaxDiceDigits} digits 0-9.");
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
            AuditDirectory audit = AuditCli.Open(parseResult, dir);
            SeedResult result = audit.EvaluateSeedAsync(CancellationToken.None).GetAwaiter().GetResult();
            IAnsiConsole console = AuditCli.Console(output);
            Table table = new Table().AddColumns("Party", "Outcome", "Commit", "Reveal");
            foreach (PartyStatus p in result.Parties)
            {
                table.AddRow(Markup.Escape(p.Party), p.Outcome switch
                {
                    PartyOutcome.Revealed => "revealed",
                    PartyOutcome.DidNotCommit => "did not commit",
                    PartyOutcome.DidNotReveal => "did not reveal",
                    _ => "pending",
                }, p.CommitIndex?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", p.RevealIndex?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
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

using System.CommandLine;
using System.Security.Cryptography;
using Entente.Audit.Trail;
using Entente.Client.Board;
using Entente.Transparency.Notes;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// <c>entente audit board add|revoke</c> (docs/audit.md, "The audit-board screen"): registers an audit board of the audit on
/// the board with a fresh Ed25519 key and prints its page's link once (the private seed only in the URL fragment, never
/// kept), or revokes that key.
/// </summary>
internal static class AuditBoardCommand
{
    public static Command Create()
    {
        Command command = new("board", "Audit boards' pages: register an audit board with its own link (add), or revoke its link (revoke).");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Revoke());
        return command;
    }

    private static Command Add()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> name = new("--name") { Description = "The audit board's name, e.g. \"Board 1\" (no ':')." };
        Option<string> members = new("--members") { Description = "Its two members, \"NAME,NAME\" (both are named on each sign-off)." };
        Option<string> board = AuditBoard.BoardOption("the audit board's registration");
        Option<string> key = AuditBoard.KeyOption();
        Command command = new("add", "Register an audit board with a fresh key and print its page's link ONCE: the private key is only in the link's #fragment, which browsers never send; give the link to the two members and keep no copy.")
        {
            dir, name, members, board, key,
        };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            using Entente.Audit.Workflow.AuditDirectory audit = AuditCli.Open(parseResult, dir);
            var target = AuditBoard.Read(parseResult, board, key) ?? throw new UsageException("--board URL and --key KEY are required: the audit board's key is registered on the board.");
            string boardName = AuditCli.Require(parseResult, name);
            string[] names = [.. AuditCli.Require(parseResult, members).Split(',').Select(n => n.Trim())];
            if (names.Length != 2 || names.Any(n => n.Length == 0) || names[0] == names[1])
            {
                throw new UsageException($"--members \"{parseResult.GetValue(members)}\": name the audit board's two members, \"NAME,NAME\".");
            }

            byte[] seed = RandomNumberGenerator.GetBytes(32);
            try
            {
                using Ed25519NoteSigner signer = Ed25519NoteSigner.FromSeed("auditboard", seed);
                AuditBoardArtifact registration = new(audit.State.AuditId, boardName, names, signer.PublicKey);
                byte[] body;
                try
                {
                    body = AuditTrailArtifacts.Write(registration);
                    AuditTrailArtifacts.ReadBoard("--name", body);
                }
                catch (Entente.Audit.Io.AuditInputException e)
                {
                    throw new UsageException(e.Message);
                }

                int posted = SeedCommand.Post(output, error, target.Board, target.Key,
                    new BoardTarget("audit-boards", registration.Id, AuditTrailArtifacts.BoardType, false, false), body, $"audit board \"{boardName}\" ({registration.Party})");
                if (posted != ExitCodes.Ok)
                {
                    return posted;
                }

                string link = new Uri(target.Board, $"audit-board/{Uri.EscapeDataString(audit.State.AuditId)}/{Uri.EscapeDataString(boardName)}").AbsoluteUri
                    + "#k=" + Base64Url(seed);
                AuditCli.Console(output).MarkupLine(Markup.Escape($"The page of {boardName} ({names[0]} and {names[1]}); this link is shown once and not kept anywhere:"));
                output.WriteLine(link);
                return ExitCodes.Ok;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(seed);
            }
        });
        return command;
    }

    private static Command Revoke()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> name = new("--name") { Description = "The audit board whose link to revoke." };
        Option<string> board = AuditBoard.BoardOption("the revocation");
        Option<string> key = AuditBoard.KeyOption();
        Command command = new("revoke", "Revoke an audit board's link: the board refuses its posts from now on, and `audit verify --board` refuses any entry of its key logged after the revocation.")
        {
            dir, name, board, key,
        };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            using Entente.Audit.Workflow.AuditDirectory audit = AuditCli.Open(parseResult, dir);
            var target = AuditBoard.Read(parseResult, board, key) ?? throw new UsageException("--board URL and --key KEY are required.");
            AuditBoardRevokedArtifact revoked = new(audit.State.AuditId, AuditCli.Require(parseResult, name));
            return SeedCommand.Post(output, error, target.Board, target.Key,
                new BoardTarget("audit-boards", revoked.Id, AuditTrailArtifacts.BoardRevokedType, false, false), AuditTrailArtifacts.Write(revoked), $"the revocation of audit board \"{revoked.Board}\"'s link");
        });
        return command;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

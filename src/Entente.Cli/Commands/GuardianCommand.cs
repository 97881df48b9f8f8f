using System.CommandLine;
using Entente.Cli.Commands.Election;
using Entente.Election.Board;
using Entente.Election.KeyCeremony;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente guardian keygen | share | receive | approve</c>: one guardian's part of the key ceremony (spec 2.1
/// §3.2), run in that guardian's own process with its own secret file, exchanging only public documents through the
/// election's shared place: a ceremony folder (<c>--folder</c>) or a board (<c>--board URL --key PARTY_KEY_FILE</c>,
/// the key of the party holding the guardian). The passphrase is asked on the terminal or read from
/// ENTENTE_GUARDIAN_PASSPHRASE. Every step can be run again: a step already done reports so and changes nothing.
/// </summary>
internal static class GuardianCommand
{
    public static Command Create()
    {
        Command command = new("guardian", "One guardian's steps of the key ceremony: keygen, share, receive, approve.");
        command.Subcommands.Add(Step("keygen", "Generate this guardian's keys and proofs; publish the public key, keep the secret file."));
        command.Subcommands.Add(Step("share", "Encrypt this guardian's shares to every other guardian (needs every public key)."));
        command.Subcommands.Add(Step("receive", "Check the shares sent to this guardian against the senders' commitments; complain or store the combined share."));
        command.Subcommands.Add(Step("approve", "Publish this guardian's approval; once every guardian approved, the joint key (election.json) is published too."));
        return command;
    }

    private static Command Step(string name, string description)
    {
        ElectionPlaceOptions place = new("The shared ceremony folder (from entente election init).");
        Option<int> index = new("--index") { Description = "This guardian's index i (1..n).", Required = true };
        Option<FileInfo> secret = new("--secret") { Description = "This guardian's secret file (never shared).", Required = true };
        Option<string?> guardianName = new("--name") { Description = "Display name published with the key (keygen)." };
        Option<bool> plaintext = new("--insecure-plaintext-secrets") { Description = "Store or read the secret file unencrypted. For tests only." };
        Option<bool> json = new("--json") { Description = "Print a JSON result." };
        Command command = new(name, description);
        place.AddTo(command);
        command.Options.Add(index);
        command.Options.Add(secret);
        if (name == "keygen")
        {
            command.Options.Add(guardianName);
        }

        command.Options.Add(plaintext);
        command.Options.Add(json);
        command.SetAction(async (parseResult, ct) =>
        {
            using ElectionPlace opened = place.Open(parseResult);
            IElectionBoard board = opened.Board;
            int i = parseResult.GetValue(index);
            if (CliSupport.SecretAccess(parseResult.GetValue(secret)!, i, parseResult.GetValue(plaintext)) is not GuardianSecretAccess access)
            {
                return ExitCodes.UsageOrInput;
            }

            int exit = ExitCodes.Ok;
            string message;
            Publication? publication = null;
            Publication? electionKey = null;
            switch (name)
            {
                case "keygen":
                    (GuardianPublicKey key, publication) = await KeyCeremonySteps.KeygenAsync(board, i, parseResult.GetValue(guardianName) ?? $"Guardian {i}", access, ct);
                    message = $"guardian {key.Index}: keys {(publication.State == PublicationState.AlreadyPublished ? "already published" : "generated and published")} ({board.Describe(ElectionDocument.GuardianKey(key.Index))}). Next: entente guardian share once every guardian has run keygen.";
                    break;
                case "share":
                    int count = await KeyCeremonySteps.ShareAsync(board, i, access, ct);
                    message = $"guardian {i}: {count} encrypted share(s) published{(count == 0 ? " (every share was already there)" : "")}. Next: entente guardian receive once every guardian has shared.";
                    break;
                case "receive":
                    IReadOnlyList<(int From, string Reason)> complaints = await KeyCeremonySteps.ReceiveAsync(board, i, access, ct);
                    if (complaints.Count > 0)
                    {
                        exit = ExitCodes.CheckFailed;
                        message = $"guardian {i} complains: " + string.Join("; ", complaints.Select(c => $"guardian {c.From}: {c.Reason}")) + ". The complaint is published; the ceremony must be investigated and restarted.";
                    }
                    else
                    {
                        message = $"guardian {i}: every share matches its commitments; combined share stored. Next: entente guardian approve.";
                    }

                    break;
                default:
                    (publication, electionKey) = await KeyCeremonySteps.ApproveAsync(board, i, access, ct);
                    message = electionKey switch
                    {
                        null => $"guardian {i}: approval {publication.Describe()}. Waiting for the other guardians' approvals.",
                        { IsComplete: true } => $"guardian {i}: approval {publication.Describe()}. Every guardian approved: the joint key (election.json) is {electionKey.Describe()}; the ceremony is complete.",
                        _ => $"guardian {i}: approval {publication.Describe()}. Every guardian approved: the joint key (election.json) is {electionKey.Describe()} (each runs entente election key).",
                    };
                    break;
            }

            if (parseResult.GetValue(json))
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("step", name);
                    w.WriteNumber("guardian", i);
                    w.WriteBoolean("ok", exit == ExitCodes.Ok);
                    if (publication is not null)
                    {
                        CliSupport.WritePublication(w, "publication", publication);
                    }

                    if (electionKey is not null)
                    {
                        CliSupport.WritePublication(w, "election", electionKey);
                    }

                    w.WriteString("message", message);
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine((exit == ExitCodes.Ok ? "[green]ok[/] " : "[red]complaint[/] ") + Markup.Escape(message));
            }

            return exit;
        });
        return command;
    }
}

using System.CommandLine;
using Entente.Cli.Commands.Election;
using Entente.Election.KeyCeremony;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente guardian keygen | share | receive | approve</c>: one guardian's part of the key
/// ceremony (spec 2.1 §3.2), run in that guardian's own process with its own secret file, exchanging
/// only public files through the shared ceremony folder. The passphrase is asked on the terminal or
/// read from ENTENTE_GUARDIAN_PASSPHRASE.
/// </summary>
internal static class GuardianCommand
{
    public static Command Create()
    {
        Command command = new("guardian", "One guardian's steps of the key ceremony: keygen, share, receive, approve.");
        command.Subcommands.Add(Step("keygen", "Generate this guardian's keys and proofs; publish the public key, keep the secret file."));
        command.Subcommands.Add(Step("share", "Encrypt this guardian's shares to every other guardian (needs every public key)."));
        command.Subcommands.Add(Step("receive", "Check the shares sent to this guardian against the senders' commitments; complain or store the combined share."));
        command.Subcommands.Add(Step("approve", "Publish this guardian's approval; the last approval completes the ceremony (election.json)."));
        return command;
    }

    private static Command Step(string name, string description)
    {
        Option<DirectoryInfo> folder = new("--folder") { Description = "The shared ceremony folder (from entente election init).", Required = true };
        Option<int> index = new("--index") { Description = "This guardian's index i (1..n).", Required = true };
        Option<FileInfo> secret = new("--secret") { Description = "This guardian's secret file (never shared).", Required = true };
        Option<string?> guardianName = new("--name") { Description = "Display name published with the key (keygen)." };
        Option<bool> plaintext = new("--insecure-plaintext-secrets") { Description = "Store or read the secret file unencrypted. For tests only." };
        Option<bool> json = new("--json") { Description = "Print a JSON result." };
        Command command = new(name, description);
        command.Options.Add(folder);
        command.Options.Add(index);
        command.Options.Add(secret);
        if (name == "keygen")
        {
            command.Options.Add(guardianName);
        }

        command.Options.Add(plaintext);
        command.Options.Add(json);
        command.SetAction((parseResult, ct) => CliSupport.GuardAsync(async () =>
        {
            CeremonyFolder ceremony = new(parseResult.GetValue(folder)!.FullName);
            int i = parseResult.GetValue(index);
            bool insecure = parseResult.GetValue(plaintext);
            string? passphrase = null;
            if (!insecure)
            {
                passphrase = CliSupport.ReadPassphrase($"Passphrase of guardian {i}:");
                if (string.IsNullOrEmpty(passphrase))
                {
                    Console.Error.WriteLine($"error: a passphrase is required: type it, or set {CliSupport.PassphraseVariable}, or pass --insecure-plaintext-secrets for tests.");
                    return ExitCodes.UsageOrInput;
                }
            }

            CeremonyFolder.SecretAccess access = new(parseResult.GetValue(secret)!.FullName, passphrase, insecure);
            bool asJson = parseResult.GetValue(json);
            int exit = ExitCodes.Ok;
            string message;
            switch (name)
            {
                case "keygen":
                    GuardianPublicKey key = await ceremony.KeygenAsync(i, parseResult.GetValue(guardianName) ?? $"Guardian {i}", access, ct);
                    message = $"guardian {key.Index}: keys generated; public key in public/guardian-{key.Index}.json. Next: entente guardian share once every guardian has run keygen.";
                    break;
                case "share":
                    int count = await ceremony.ShareAsync(i, access, ct);
                    message = $"guardian {i}: {count} encrypted share(s) written to shares/. Next: entente guardian receive once every guardian has shared.";
                    break;
                case "receive":
                    IReadOnlyList<(int From, string Reason)> complaints = await ceremony.ReceiveAsync(i, access, ct);
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
                    bool complete = await ceremony.ApproveAsync(i, access, ct);
                    message = complete
                        ? $"guardian {i}: approved. Every guardian approved: the ceremony is complete (election.json)."
                        : $"guardian {i}: approved. Waiting for the other guardians' approvals.";
                    break;
            }

            if (asJson)
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("step", name);
                    w.WriteNumber("guardian", i);
                    w.WriteBoolean("ok", exit == ExitCodes.Ok);
                    w.WriteString("message", message);
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine((exit == ExitCodes.Ok ? "[green]ok[/] " : "[red]complaint[/] ") + Markup.Escape(message));
            }

            return exit;
        }));
        return command;
    }
}

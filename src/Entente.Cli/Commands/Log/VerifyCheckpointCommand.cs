using System.CommandLine;
using Entente.Cli.Commands.Record;
using Entente.Client.Log;
using Entente.Transparency;
using Entente.Transparency.Notes;

namespace Entente.Cli.Commands.Log;

/// <summary>
/// <c>entente log verify-checkpoint FILE|--url URL --key VKEY [--key VKEY ...] [--cosigner VKEY ... --quorum N]</c>.
/// The checkpoint is a file, or the one a log serves (<c>--url</c>, fetched with <see cref="LogClient"/>).
/// Exit 0: a valid signature from every --key and at least N valid cosignatures (N defaults to every
/// --cosigner); 1: a required signature is missing or invalid; 2: FILE is not a well-formed checkpoint note
/// (or an argument is unusable, or the log did not answer). Prints origin, size and root.
/// </summary>
internal static class VerifyCheckpointCommand
{
    public static Command Create()
    {
        Argument<string?> file = new("FILE") { Description = "The signed checkpoint note (or give --url).", Arity = ArgumentArity.ZeroOrOne };
        Option<string?> url = new("--url") { Description = "Check the checkpoint this log serves (GET /checkpoint) instead of a file." };
        Option<string[]> keys = new("--key") { Description = "A log verifier key (name+id+key) whose signature is required; repeatable.", Required = true };
        Option<string[]> cosigners = new("--cosigner") { Description = "A witness verifier key (type 0x01 or 0x04); repeatable." };
        Option<int?> quorum = new("--quorum") { Description = "Valid cosignatures required (default: all --cosigner keys)." };
        Command command = new("verify-checkpoint", "Check a checkpoint's log signatures and witness cosignatures.");
        command.Arguments.Add(file);
        command.Options.Add(url);
        command.Options.Add(keys);
        command.Options.Add(cosigners);
        command.Options.Add(quorum);
        command.SetAction(async (parse, ct) =>
        {
            string? path = parse.GetValue(file);
            if (parse.GetValue(url) is not string address)
            {
                if (path is null)
                {
                    Console.Error.WriteLine("error: give the checkpoint FILE, or --url to check the one a log serves.");
                    return ExitCodes.UsageOrInput;
                }

                return Run(path, parse.GetValue(keys) ?? [], parse.GetValue(cosigners) ?? [], parse.GetValue(quorum));
            }

            using LogClient log = new(RemoteAction.Url(address, "--url"), RemoteAction.Retry(60));
            SignedCheckpoint checkpoint = await log.GetCheckpointAsync(ct);
            return Check(checkpoint, parse.GetValue(keys) ?? [], parse.GetValue(cosigners) ?? [], parse.GetValue(quorum));
        });
        return command;
    }

    internal static int Run(string file, string[] keys, string[] cosigners, int? quorum)
    {
        SignedCheckpoint checkpoint;
        try
        {
            checkpoint = SignedCheckpoint.Parse(File.ReadAllBytes(file));
        }
        catch (NoteFormatException e)
        {
            Console.Error.WriteLine($"error: {file} is not a well-formed checkpoint note: {e.Message}");
            return ExitCodes.UsageOrInput;
        }

        return Check(checkpoint, keys, cosigners, quorum);
    }

    private static int Check(SignedCheckpoint checkpoint, string[] keys, string[] cosigners, int? quorum)
    {
        List<INoteVerifier> logKeys = [];
        List<CosignatureV1Verifier> witnessKeys = [];
        try
        {
            logKeys.AddRange(keys.Select(VerifierKeys.Parse));
            witnessKeys.AddRange(cosigners.Select(VerifierKeys.ParseCosigner));
        }
        catch (NoteFormatException e)
        {
            Console.Error.WriteLine($"error: bad verifier key: {e.Message}");
            return ExitCodes.UsageOrInput;
        }

        int needed = quorum ?? witnessKeys.Count;
        if (needed < 0 || needed > witnessKeys.Count)
        {
            Console.Error.WriteLine($"error: --quorum {needed} is not between 0 and the {witnessKeys.Count} --cosigner keys given.");
            return ExitCodes.UsageOrInput;
        }

        Console.Out.WriteLine($"origin {checkpoint.Checkpoint.Origin}");
        Console.Out.WriteLine($"size {checkpoint.Checkpoint.Size}");
        Console.Out.WriteLine($"root {checkpoint.Checkpoint.Root.ToBase64()}");
        bool ok = true;
        foreach (INoteVerifier key in logKeys)
        {
            bool valid = NoteVerification.HasValidSignature(checkpoint.Note, key);
            Console.Out.WriteLine($"{(valid ? "ok     " : "MISSING")} signature {key.Name}+{key.KeyId:x8}");
            ok &= valid;
        }

        int cosigned = 0;
        foreach (CosignatureV1Verifier w in witnessKeys)
        {
            bool valid = NoteVerification.HasValidSignature(checkpoint.Note, w);
            cosigned += valid ? 1 : 0;
            Console.Out.WriteLine($"{(valid ? "ok     " : "missing")} cosignature {w.Name}+{w.KeyId:x8}");
        }

        if (witnessKeys.Count > 0)
        {
            Console.Out.WriteLine($"cosignatures {cosigned} of {witnessKeys.Count}, quorum {needed}");
        }

        ok &= cosigned >= needed;
        return ok ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }
}

using System.Text.Json;
using Entente.Cryptography;
using Entente.Election;
using Entente.Election.Board;
using Entente.Transparency.Notes;
using Spectre.Console;

namespace Entente.Cli.Commands.Election;

/// <summary>Shared plumbing of the election verbs: error reporting, groups, passphrases, JSON output.</summary>
internal static class CliSupport
{
    /// <summary>Environment variable read for a guardian's passphrase when stdin is not a terminal.</summary>
    public const string PassphraseVariable = "ENTENTE_GUARDIAN_PASSPHRASE";

    public static bool TryGroup(string name, out Group group)
    {
        string normalized = name.ToUpperInvariant() switch
        {
            "STANDARD" or "REDUCED" or "TINY" => name,
            _ => "",
        };
        if (normalized.Length > 0 && Group.TryGetByName(normalized, out Group? found))
        {
            group = found;
            return true;
        }

        Console.Error.WriteLine($"Unknown group '{name}'. Use standard, reduced or tiny.");
        group = Group.Standard;
        return false;
    }

    /// <summary>The text on one line (a board's detail may hold line breaks).</summary>
    public static string OneLine(string text) => string.Join(' ', (text ?? "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Runs <paramref name="work"/> with progress bars on standard error (one per phase) when standard error is a
    /// terminal and <paramref name="quiet"/> is false (no <c>--json</c>); silently otherwise, so scripts read clean output.
    /// </summary>
    public static async Task<T> WithProgressAsync<T>(bool quiet, Func<IProgress<StepProgress>?, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (quiet || Console.IsErrorRedirected)
        {
            return await work(null);
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                Dictionary<string, ProgressTask> tasks = [];
                SynchronousProgress progress = new(p =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(p.Phase, out ProgressTask? task))
                        {
                            task = context.AddTask(p.Phase, maxValue: Math.Max(1, p.Total));
                            tasks[p.Phase] = task;
                        }

                        task.Value = Math.Max(task.Value, p.Done);
                    }
                });
                result = await work(progress);
                lock (tasks)
                {
                    foreach (ProgressTask task in tasks.Values)
                    {
                        task.Value = task.MaxValue;
                    }
                }
            });
        return result;
    }

    /// <summary>A publication as a JSON string value: published, already_published or awaiting_signatures.</summary>
    public static string State(Publication publication) => publication.State switch
    {
        PublicationState.Published => "published",
        PublicationState.AlreadyPublished => "already_published",
        _ => "awaiting_signatures",
    };

    /// <summary>Writes a publication as a JSON object member: {"state", "signed_by", "awaiting"}.</summary>
    public static void WritePublication(Utf8JsonWriter w, string name, Publication publication)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(publication);
        w.WriteStartObject(name);
        w.WriteString("state", State(publication));
        w.WriteStartArray("signed_by");
        foreach (string party in publication.SignedBy)
        {
            w.WriteStringValue(party);
        }

        w.WriteEndArray();
        w.WriteStartArray("awaiting");
        foreach (string party in publication.AwaitingFrom)
        {
            w.WriteStringValue(party);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Reads the guardian's passphrase (terminal or ENTENTE_GUARDIAN_PASSPHRASE) unless plaintext secrets are allowed; null when missing.</summary>
    public static Entente.Election.KeyCeremony.GuardianSecretAccess? SecretAccess(FileInfo secret, int index, bool insecure)
    {
        ArgumentNullException.ThrowIfNull(secret);
        string? passphrase = null;
        if (!insecure)
        {
            passphrase = ReadPassphrase($"Passphrase of guardian {index}:");
            if (string.IsNullOrEmpty(passphrase))
            {
                Console.Error.WriteLine($"error: a passphrase is required: type it, or set {PassphraseVariable}, or pass --insecure-plaintext-secrets for tests.");
                return null;
            }
        }

        return new Entente.Election.KeyCeremony.GuardianSecretAccess(secret.FullName, passphrase, insecure);
    }

    private sealed class SynchronousProgress(Action<StepProgress> report) : IProgress<StepProgress>
    {
        public void Report(StepProgress value) => report(value);
    }

    public static string? ReadPassphrase(string prompt)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(PassphraseVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (Console.IsInputRedirected)
        {
            return null;
        }

        return AnsiConsole.Prompt(new TextPrompt<string>(prompt).Secret());
    }

    public static void WriteJson(Action<Utf8JsonWriter> write)
    {
        using Stream stdout = Console.OpenStandardOutput();
        using (Utf8JsonWriter writer = new(stdout, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        stdout.Write("\n"u8);
    }
}

using System.Text.Json;
using Entente.Cryptography;
using Entente.Election;
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

    /// <summary>Runs <paramref name="action"/>, turning input errors into exit 2 with a clear message.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ElectionFormatException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.UsageOrInput;
        }
        catch (FileNotFoundException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.UsageOrInput;
        }
        catch (DirectoryNotFoundException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.UsageOrInput;
        }
        catch (UnauthorizedAccessException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.UsageOrInput;
        }
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
        using (Utf8JsonWriter writer = new(stdout, new JsonWriterOptions { Indented = false }))
        {
            write(writer);
        }

        stdout.Write("\n"u8);
    }
}

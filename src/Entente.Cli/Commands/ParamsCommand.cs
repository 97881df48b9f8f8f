using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Cryptography.Arithmetic;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente params</c>: prints the ElectionGuard 2.1 group parameters (p, q, r, g), their sizes, the
/// self-check (p − 1 = q·r, g^q = 1, Miller–Rabin on p and q), H_P for n guardians with quorum k, and
/// the arithmetic engine. Exit 0 when the self-check passes, 1 when it fails, 2 on a usage error.
/// </summary>
internal static class ParamsCommand
{
    /// <summary>Miller–Rabin rounds for each of p and q (bases derived deterministically from SHA-256).</summary>
    private const int MillerRabinRounds = 16;

    public static Command Create()
    {
        Option<string> group = new("--group")
        {
            Description = "Parameter set: standard (4096-bit p), reduced (3072-bit p) or tiny (insecure 32-bit test group; also toy-16 … toy-256).",
            DefaultValueFactory = _ => "standard",
        };
        Option<int> guardians = new("--guardians")
        {
            Description = "Number of guardians n hashed into H_P.",
            DefaultValueFactory = _ => 1,
        };
        Option<int> quorum = new("--quorum")
        {
            Description = "Quorum k hashed into H_P (1 ≤ k ≤ n).",
            DefaultValueFactory = _ => 1,
        };
        Option<bool> json = new("--json") { Description = "Print one JSON object instead of tables." };

        Command command = new("params", "Print the ElectionGuard 2.1 group parameters, check them, and show the parameter base hash H_P.");
        command.Options.Add(group);
        command.Options.Add(guardians);
        command.Options.Add(quorum);
        command.Options.Add(json);
        command.SetAction(parseResult => Run(
            parseResult.GetValue(group) ?? "standard",
            parseResult.GetValue(guardians),
            parseResult.GetValue(quorum),
            parseResult.GetValue(json)));
        return command;
    }

    private static int Run(string groupName, int guardians, int quorum, bool json)
    {
        if (!Group.TryGetByName(groupName, out Group? group))
        {
            Console.Error.WriteLine($"Unknown group '{groupName}'. Use standard, reduced or tiny (or toy-16, toy-32, …, toy-256).");
            return ExitCodes.UsageOrInput;
        }

        if (guardians < 1 || quorum < 1 || quorum > guardians || guardians >= int.MaxValue)
        {
            Console.Error.WriteLine($"Invalid --guardians {guardians} --quorum {quorum}: need 1 ≤ quorum ≤ guardians.");
            return ExitCodes.UsageOrInput;
        }

        GroupSelfCheck check = json
            ? group.SelfCheck(MillerRabinRounds)
            : AnsiConsole.Status().Start($"Checking the {group.Name} parameters (Miller–Rabin, {MillerRabinRounds} rounds each for p and q)…", _ => group.SelfCheck(MillerRabinRounds));
        Hash256 parameterBaseHash = ElectionHashes.ParameterBaseHash(group, guardians, quorum);

        if (json)
        {
            WriteJson(group, check, guardians, quorum, parameterBaseHash);
        }
        else
        {
            WriteTables(group, check, guardians, quorum, parameterBaseHash);
        }

        return check.Passed ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    private static void WriteTables(Group group, GroupSelfCheck check, int guardians, int quorum, Hash256 parameterBaseHash)
    {
        if (group.IsInsecure)
        {
            AnsiConsole.MarkupLine("[yellow]Warning:[/] this is a toy group from the appendix of the specification. It has no security and exists for tests only.");
        }

        AnsiConsole.MarkupLine($"[bold]ElectionGuard 2.1 parameters: {Markup.Escape(group.Name)}[/]");
        WriteValue("p", group.P);
        WriteValue("q", group.Q);
        WriteValue("r = (p − 1)/q", group.R);
        WriteValue("g", group.G);

        Table checks = new Table().Title("Self-check").AddColumn("condition").AddColumn("result");
        checks.AddRow("p − 1 = q·r", Mark(check.CofactorHolds));
        checks.AddRow("1 < g < p", Mark(check.GeneratorInRange));
        checks.AddRow("g^q mod p = 1", Mark(check.GeneratorHasOrderQ));
        checks.AddRow($"p is prime (Miller–Rabin, {check.MillerRabinRounds} rounds)", Mark(check.PIsProbablePrime));
        checks.AddRow($"q is prime (Miller–Rabin, {check.MillerRabinRounds} rounds)", Mark(check.QIsProbablePrime));
        AnsiConsole.Write(checks);

        Table hashes = new Table().AddColumn("item").AddColumn("value");
        hashes.AddRow("encoding lengths", $"l_p = {group.PByteLength} bytes, l_q = {group.QByteLength} bytes");
        hashes.AddRow(Markup.Escape($"H_P (n = {guardians}, k = {quorum}, eq 4)"), parameterBaseHash.ToHex()[..32] + "\n" + parameterBaseHash.ToHex()[32..]);
        hashes.AddRow("version", ElectionHash.VersionString);
        hashes.AddRow("arithmetic engine", Markup.Escape(group.EngineName));
        hashes.AddRow("native IFMA engine", Markup.Escape(IfmaNative.Status));
        AnsiConsole.Write(hashes);

        AnsiConsole.MarkupLine(check.Passed ? "[green]Self-check passed.[/]" : "[red]Self-check FAILED: these parameters must not be used.[/]");
    }

    private static void WriteValue(string name, BigInteger value)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(name)}[/] ({Bits(value)}) =");
        foreach (string line in WrapHex(value).Split('\n'))
        {
            AnsiConsole.WriteLine("    " + line);
        }
    }

    private static void WriteJson(Group group, GroupSelfCheck check, int guardians, int quorum, Hash256 parameterBaseHash)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter writer = new(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("group", group.Name);
            writer.WriteBoolean("insecure", group.IsInsecure);
            writer.WriteString("version", ElectionHash.VersionString);
            WriteNumber(writer, "p", group.P);
            WriteNumber(writer, "q", group.Q);
            WriteNumber(writer, "r", group.R);
            WriteNumber(writer, "g", group.G);
            writer.WriteNumber("l_p", group.PByteLength);
            writer.WriteNumber("l_q", group.QByteLength);
            writer.WriteStartObject("self_check");
            writer.WriteBoolean("p_minus_1_equals_q_times_r", check.CofactorHolds);
            writer.WriteBoolean("g_in_range", check.GeneratorInRange);
            writer.WriteBoolean("g_to_the_q_is_1", check.GeneratorHasOrderQ);
            writer.WriteBoolean("p_is_probable_prime", check.PIsProbablePrime);
            writer.WriteBoolean("q_is_probable_prime", check.QIsProbablePrime);
            writer.WriteNumber("miller_rabin_rounds", check.MillerRabinRounds);
            writer.WriteBoolean("passed", check.Passed);
            writer.WriteEndObject();
            writer.WriteNumber("guardians", guardians);
            writer.WriteNumber("quorum", quorum);
            writer.WriteString("h_p", parameterBaseHash.ToHex());
            writer.WriteString("engine", group.EngineName);
            writer.WriteString("ifma_status", IfmaNative.Status);
            writer.WriteEndObject();
        }

        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, BigInteger value)
    {
        writer.WriteStartObject(name);
        writer.WriteString("hex", Hex(value));
        writer.WriteNumber("bits", value.GetBitLength());
        writer.WriteEndObject();
    }

    private static string Bits(BigInteger value) => string.Create(CultureInfo.InvariantCulture, $"{value.GetBitLength()} bits");

    private static string Mark(bool ok) => ok ? "[green]ok[/]" : "[red]FAILED[/]";

    private static string Hex(BigInteger value) => Convert.ToHexString(value.ToByteArray(isUnsigned: true, isBigEndian: true));

    /// <summary>Groups of 8 hex digits, 8 groups per line (256 bits), as the specification prints them.</summary>
    private static string WrapHex(BigInteger value)
    {
        string hex = Hex(value);
        hex = hex.PadLeft((hex.Length + 7) / 8 * 8, '0');
        StringBuilder text = new();
        for (int i = 0; i < hex.Length; i += 8)
        {
            if (i > 0)
            {
                text.Append(i % 64 == 0 ? '\n' : ' ');
            }

            text.Append(hex, i, 8);
        }

        return text.ToString();
    }
}

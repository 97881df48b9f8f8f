using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Entente.Cli.Tests.Election;

/// <summary>
/// <c>entente preencrypt print</c>: the PDF is rendered to PNG by Poppler's <c>pdftoppm</c>, as a print shop's proof
/// would be, and what is on the image is read back independently of our code: the QR code by ZBar, the short codes by
/// Tesseract OCR, the option beside each code from Poppler's text layer. Each must be what the generated ballot files hold.
/// </summary>
[Trait("Category", "Slow")]
public partial class PreEncryptedBallotPrintTests
{
    private const string Manifest = """
        {"label":"Harbour general election","contests":[
          {"label":"Mayor","contest_options":[{"label":"Ana Pereira"},{"label":"Bo Lindqvist"},{"label":"Chidi Okafor"}]},
          {"label":"Harbour bond","selection_limit":1,"contest_options":[{"label":"Yes"},{"label":"No"}]}],
         "ballot_styles":[{"label":"all","contests":[1,2]}]}
        """;

    [SkippableFact]
    public void A_printed_page_shows_each_option_with_its_short_code_and_a_qr_code_of_the_ballot_and_its_confirmation_code()
    {
        SkipWithoutTools();
        using TempFolder temp = new();
        string folder = Ceremony(temp);
        EntenteProcess.Ok("preencrypt", "generate", "--folder", folder, "--style", "all", "--count", "2", "--out", temp.File("printed"));
        using JsonDocument printed = JsonDocument.Parse(EntenteProcess.Ok("preencrypt", "print", "--folder", folder, "--ballots", temp.File("printed"), "--json"));
        JsonElement root = printed.RootElement;
        Assert.Equal(Path.Combine(temp.File("printed"), "ballots.pdf"), root.GetProperty("pdf").GetString());
        Assert.Equal(2, root.GetProperty("pages").GetInt32()); // one page per ballot of this manifest
        JsonElement[] ballots = [.. root.GetProperty("ballots").EnumerateArray()];
        Assert.Equal(2, ballots.Length);

        for (int page = 1; page <= 2; page++)
        {
            JsonElement listed = ballots[page - 1];
            string id = listed.GetProperty("id").GetString()!;
            JsonNode ballot = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.File("printed"), "ballots", id + ".json")))!;
            string png = Render(temp, page);

            string qr = Tool("zbarimg", "-q", "--raw", png).Trim();
            Assert.Equal($"ENTENTE:PB1:{ballot["id"]!.GetValue<string>()}:{ballot["confirmation_code"]!.GetValue<string>()}", qr);

            (string Contest, string Option, string Code)[] options = [.. Options(ballot)];
            string[] read = ReadCodes(temp, page);
            foreach ((string contest, string option, string code) in options)
            {
                Assert.True(read.Any(r => Distance(r, code) <= 1), $"page {page}: {contest} / {option}: short code {code} not read from the image; read: {string.Join(' ', read)}");
            }

            // The undervote fillers' codes are never printed (a filler within one character of an option's code is skipped:
            // an OCR slip on that option could produce it).
            foreach (string filler in NullCodes(ballot).Where(f => options.All(o => Distance(o.Code, f) > 1)))
            {
                Assert.DoesNotContain(filler, read);
            }

            string[] lines = Tool("pdftotext", "-layout", "-f", page.ToString(), "-l", page.ToString(), temp.File("printed/ballots.pdf"), "-").Split('\n');
            foreach ((string contest, string option, string code) in options)
            {
                string line = Assert.Single(lines, l => l.Contains(option, StringComparison.Ordinal) && Regex.IsMatch(l, $@"\b{option}\b"));
                Assert.EndsWith(code, line.TrimEnd(), StringComparison.Ordinal);
            }
        }
    }

    [SkippableFact]
    public void Print_refuses_a_ballot_file_whose_short_code_is_not_its_selection_hash_and_bad_options_before_reading_anything()
    {
        SkipWithoutTools();
        using TempFolder temp = new();
        string folder = Ceremony(temp);
        JsonDocument generated = JsonDocument.Parse(EntenteProcess.Ok("preencrypt", "generate", "--folder", folder, "--style", "all", "--count", "1", "--out", temp.File("printed"), "--json"));
        string id = generated.RootElement.GetProperty("ballots")[0].GetProperty("id").GetString()!;

        (int code, _, string error) = EntenteProcess.Run("preencrypt", "print", "--folder", folder, "--ballots", temp.File("printed"), "--paper", "legal");
        Assert.Equal(2, code);
        Assert.Contains("--paper \"legal\"", error, StringComparison.Ordinal);

        Directory.CreateDirectory(temp.File("nofonts"));
        (code, _, error) = EntenteProcess.Run("preencrypt", "print", "--folder", folder, "--ballots", temp.File("printed"), "--font-dir", temp.File("nofonts"));
        Assert.Equal(2, code);
        Assert.Contains("DejaVuSans.ttf", error, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("printed/ballots.pdf")));

        // A code swapped for another of the same length keeps the file canonical; only the hash check can catch it.
        string path = Path.Combine(temp.File("printed"), "ballots", id + ".json");
        JsonNode ballot = JsonNode.Parse(File.ReadAllText(path))!;
        string first = ballot["contests"]![0]!["selections"]![0]!["short_code"]!.GetValue<string>();
        string second = ballot["contests"]![0]!["selections"]![1]!["short_code"]!.GetValue<string>();
        File.WriteAllText(path, File.ReadAllText(path).Replace($"\"short_code\":\"{first}\"", "\"short_code\":\"@@@@\"", StringComparison.Ordinal)
            .Replace($"\"short_code\":\"{second}\"", $"\"short_code\":\"{first}\"", StringComparison.Ordinal).Replace("@@@@", second, StringComparison.Ordinal));
        (code, _, error) = EntenteProcess.Run("preencrypt", "print", "--folder", folder, "--ballots", temp.File("printed"));
        Assert.Equal(2, code);
        Assert.Contains(id, error, StringComparison.Ordinal);
        Assert.Contains("$.contests[0].selections[0].short_code", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("printed/ballots.pdf")));
    }

    private static string Ceremony(TempFolder temp)
    {
        File.WriteAllText(temp.File("manifest.json"), Manifest);
        string folder = temp.File("ceremony");
        EntenteProcess.Ok("election", "init", "--manifest", temp.File("manifest.json"), "--guardians", "1", "--quorum", "1", "--group", "tiny", "--out", folder);
        foreach (string step in new[] { "keygen", "share", "receive", "approve" })
        {
            EntenteProcess.Ok("guardian", step, "--folder", folder, "--index", "1", "--secret", temp.File("g1.json"), "--insecure-plaintext-secrets");
        }

        return folder;
    }

    private static IEnumerable<(string Contest, string Option, string Code)> Options(JsonNode ballot)
    {
        foreach (JsonNode? contest in ballot["contests"]!.AsArray())
        {
            foreach (JsonNode? selection in contest!["selections"]!.AsArray())
            {
                if (selection!["label"] is JsonNode label)
                {
                    yield return (contest["label"]!.GetValue<string>(), label.GetValue<string>(), selection["short_code"]!.GetValue<string>());
                }
            }
        }
    }

    private static IEnumerable<string> NullCodes(JsonNode ballot) =>
        ballot["contests"]!.AsArray().SelectMany(c => c!["selections"]!.AsArray()).Where(s => s!["label"] is null).Select(s => s!["short_code"]!.GetValue<string>());

    /// <summary>
    /// The codes on page <paramref name="page"/> as Tesseract reads them from renderings of the code column (the right
    /// quarter of an A4 page, above the footer) restricted to hex digits. OCR drops or confuses a glyph now and then (about
    /// 1 code in 60 in our trials), and clean-clone CI runs once missed a code by more than one edit at 300 dpi alone, and
    /// once at 300 and 400 dpi both; so the column is read at 300, 400 and 500 dpi and the tokens of every reading are kept; a
    /// code counts as read when a token is within one edit of it. A wrong code printed differs from the right one in about
    /// every character, in every reading.
    /// </summary>
    private static string[] ReadCodes(TempFolder temp, int page)
    {
        List<string> tokens = [];
        foreach (int dpi in new[] { 300, 400, 500 })
        {
            string prefix = temp.File($"codes{page}-{dpi}");
            int scale(int at300) => at300 * dpi / 300;
            Tool("pdftoppm", "-r", dpi.ToString(), "-f", page.ToString(), "-l", page.ToString(), "-singlefile", "-x", scale(1860).ToString(), "-y", "0",
                "-W", scale(620).ToString(), "-H", scale(2780).ToString(), "-png", temp.File("printed/ballots.pdf"), prefix);
            string text = Tool("tesseract", prefix + ".png", "-", "--psm", "6", "-c", "tessedit_char_whitelist=0123456789ABCDEF");
            tokens.AddRange(CodeToken().Matches(text).Select(m => m.Value));
        }

        return [.. tokens.Distinct(StringComparer.Ordinal)];
    }

    private static string Render(TempFolder temp, int page)
    {
        string prefix = temp.File($"page{page}");
        Tool("pdftoppm", "-r", "200", "-f", page.ToString(), "-l", page.ToString(), "-singlefile", "-png", temp.File("printed/ballots.pdf"), prefix);
        return prefix + ".png";
    }

    private static int Distance(string a, string b)
    {
        int[] row = [.. Enumerable.Range(0, b.Length + 1)];
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    private static string Tool(string name, params string[] args)
    {
        ProcessStartInfo start = new(name) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{name} {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}");
        return output;
    }

    private static void SkipWithoutTools()
    {
        string[] missing = [.. new[] { "pdftoppm", "pdftotext", "zbarimg", "tesseract" }.Where(t => !OnPath(t))];
        Skip.If(missing.Length > 0, $"{string.Join(", ", missing)} not installed; run ./scripts/test.sh (it installs poppler-utils, zbar-tools and tesseract-ocr)");
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, name)));

    [GeneratedRegex(@"\b[0-9A-F]{3,5}\b")]
    private static partial Regex CodeToken();
}

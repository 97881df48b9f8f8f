using Entente.Election.Manifest;
using Entente.Election.PreEncryption;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;

namespace Entente.Cli.Printing;

/// <summary>The paper a ballot is printed on.</summary>
internal enum BallotPaper
{
    /// <summary>ISO A4, 210 × 297 mm.</summary>
    A4,

    /// <summary>US Letter, 8.5 × 11 in.</summary>
    Letter,
}

/// <summary>
/// Lays out pre-encrypted ballots as a PDF for hand marking (spec 2.1 §4; docs/record-format.md §5.3): a ballot starts on
/// a new page; each contest lists its options in the manifest's order with an oval to fill and the option's short code
/// beside it; every page of a ballot ends with the ballot's identifier, its confirmation code H_C and a QR code of both,
/// which the recording tool scans to know which ballot it holds. Null vectors (the undervote fillers of §4.1) are never
/// printed: they are for the recording tool, not the voter.
/// </summary>
internal static class BallotPdf
{
    /// <summary>What the QR code holds: this prefix, then id_B and H_C in uppercase hex, separated by colons (QR alphanumeric mode).</summary>
    public const string QrPrefix = "ENTENTE:PB1";

    private const double Margin = 42;
    private const double FooterHeight = 132;
    private const double RowHeight = 24;
    private const double ContestHeader = 26;
    private static readonly XColor Ink = XColor.FromArgb(20, 20, 20);
    private static readonly XColor Shade = XColor.FromArgb(232, 232, 232);

    /// <summary>The QR code's text for one ballot.</summary>
    public static string QrText(PreEncryptedBallot ballot) => $"{QrPrefix}:{ballot.Id.ToHex()}:{ballot.ConfirmationCode.ToHex()}";

    /// <summary>Writes <paramref name="ballots"/> to <paramref name="output"/> as one PDF; returns the page count.</summary>
    public static int Write(IReadOnlyList<PreEncryptedBallot> ballots, ElectionManifest manifest, BallotPaper paper, Stream output)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        ArgumentNullException.ThrowIfNull(manifest);
        using PdfDocument document = new();
        document.Info.Title = $"{manifest.Label}: pre-encrypted ballots";
        document.Info.Creator = "entente preencrypt print";
        Fonts fonts = new();
        foreach (PreEncryptedBallot ballot in ballots)
        {
            WriteBallot(document, ballot, manifest, paper, fonts);
        }

        int pages = document.PageCount;
        document.Save(output, false);
        return pages;
    }

    private sealed class Fonts
    {
        public XFont Title { get; } = new(BallotFonts.Text, 16, XFontStyleEx.Bold);
        public XFont Small { get; } = new(BallotFonts.Text, 8.5);
        public XFont ContestName { get; } = new(BallotFonts.Text, 11.5, XFontStyleEx.Bold);
        public XFont Option { get; } = new(BallotFonts.Text, 11);
        public XFont Code { get; } = new(BallotFonts.Text, 14, XFontStyleEx.Bold);
        public XFont Hex { get; } = new(BallotFonts.Mono, 9);
        public XFont Label { get; } = new(BallotFonts.Text, 8.5, XFontStyleEx.Bold);
    }

    private static void WriteBallot(PdfDocument document, PreEncryptedBallot ballot, ElectionManifest manifest, BallotPaper paper, Fonts fonts)
    {
        BallotStyle style = manifest.BallotStyles[ballot.StyleIndex - 1];
        int pageOfBallot = 0;
        XGraphics? g = null;
        PdfPage? page = null;
        double y = 0;

        void NewPage()
        {
            g?.Dispose();
            page = document.AddPage();
            page.Size = paper == BallotPaper.Letter ? PageSize.Letter : PageSize.A4;
            g = XGraphics.FromPdfPage(page);
            pageOfBallot++;
            y = Margin;
            double width = page.Width.Point - 2 * Margin;
            g.DrawString(Fit(g, manifest.Label, fonts.Title, width), fonts.Title, Brush(Ink), new XRect(Margin, y, width, 20), XStringFormats.TopLeft);
            y += 24;
            string subtitle = $"Pre-encrypted ballot · style {style.Label} · printed by {ballot.Device}" + (pageOfBallot > 1 ? $" · continued (page {pageOfBallot})" : "");
            g.DrawString(Fit(g, subtitle, fonts.Small, width), fonts.Small, Brush(Ink), new XRect(Margin, y, width, 12), XStringFormats.TopLeft);
            y += 16;
            if (pageOfBallot == 1)
            {
                string[] instructions =
                [
                    "Fill in the oval beside each choice you make, up to the number each contest allows.",
                    "The code beside a choice is that choice's short code on this ballot only. Write down the codes you mark:",
                    "after the count, look this ballot up by its confirmation code and check that those codes were recorded.",
                ];
                foreach (string line in instructions)
                {
                    g.DrawString(line, fonts.Small, Brush(Ink), new XRect(Margin, y, width, 11), XStringFormats.TopLeft);
                    y += 11;
                }

                y += 8;
            }

            DrawFooter(g, page, ballot, fonts);
        }

        NewPage();
        foreach (PreEncryptedContest contest in ballot.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            PreEncryptedSelection[] options = [.. contest.Selections.Where(s => s.OptionIndex is not null)];
            double bottom = page!.Height.Point - Margin - FooterHeight;
            if (y + ContestHeader + RowHeight > bottom)
            {
                NewPage();
            }

            DrawContestHeader(g!, page!, definition, y, fonts);
            y += ContestHeader + 4;
            foreach (PreEncryptedSelection selection in options)
            {
                if (y + RowHeight > page!.Height.Point - Margin - FooterHeight)
                {
                    NewPage();
                    DrawContestHeader(g!, page!, definition, y, fonts, continued: true);
                    y += ContestHeader + 4;
                }

                DrawOption(g!, page!, definition.Options[selection.OptionIndex!.Value - 1], selection.ShortCode, y, fonts);
                y += RowHeight;
            }

            y += 10;
        }

        g?.Dispose();
    }

    private static void DrawContestHeader(XGraphics g, PdfPage page, Contest contest, double y, Fonts fonts, bool continued = false)
    {
        double width = page.Width.Point - 2 * Margin;
        g.DrawRectangle(Brush(Shade), Margin, y, width, ContestHeader - 4);
        string limit = contest.SelectionLimit == 1 ? "Vote for one" : $"Vote for up to {contest.SelectionLimit}";
        double limitWidth = g.MeasureString(limit, fonts.Small).Width;
        string name = contest.Label + (continued ? " (continued)" : "");
        g.DrawString(Fit(g, name, fonts.ContestName, width - limitWidth - 24), fonts.ContestName, Brush(Ink), new XRect(Margin + 6, y, width - 12, ContestHeader - 4), XStringFormats.CenterLeft);
        g.DrawString(limit, fonts.Small, Brush(Ink), new XRect(Margin + 6, y, width - 12, ContestHeader - 4), XStringFormats.CenterRight);
    }

    private static void DrawOption(XGraphics g, PdfPage page, ContestOption option, string shortCode, double y, Fonts fonts)
    {
        double width = page.Width.Point - 2 * Margin;
        double codeWidth = Math.Max(g.MeasureString(shortCode, fonts.Code).Width, 60);
        g.DrawEllipse(new XPen(Ink, 1.2), Margin + 8, y + 6, 22, 12);
        g.DrawString(Fit(g, option.Label, fonts.Option, width - codeWidth - 64), fonts.Option, Brush(Ink), new XRect(Margin + 40, y, width - codeWidth - 60, RowHeight), XStringFormats.CenterLeft);
        g.DrawString(shortCode, fonts.Code, Brush(Ink), new XRect(Margin, y, width - 6, RowHeight), XStringFormats.CenterRight);
        g.DrawLine(new XPen(Shade, 0.6), Margin + 36, y + RowHeight - 1, Margin + width, y + RowHeight - 1);
    }

    private static void DrawFooter(XGraphics g, PdfPage page, PreEncryptedBallot ballot, Fonts fonts)
    {
        double top = page.Height.Point - Margin - FooterHeight + 12;
        double width = page.Width.Point - 2 * Margin;
        g.DrawLine(new XPen(Ink, 0.8), Margin, top - 6, Margin + width, top - 6);
        double qrSize = FooterHeight - 16;
        DrawQr(g, QrText(ballot), Margin + width - qrSize, top, qrSize);
        double x = Margin;
        double y = top + 2;
        g.DrawString("Confirmation code (H_C)", fonts.Label, Brush(Ink), x, y, XStringFormats.TopLeft);
        y += 12;
        foreach (string line in Groups(ballot.ConfirmationCode.ToHex()))
        {
            g.DrawString(line, fonts.Hex, Brush(Ink), x, y, XStringFormats.TopLeft);
            y += 11;
        }

        y += 6;
        g.DrawString("Ballot identifier (id_B)", fonts.Label, Brush(Ink), x, y, XStringFormats.TopLeft);
        y += 12;
        foreach (string line in Groups(ballot.Id.ToHex()))
        {
            g.DrawString(line, fonts.Hex, Brush(Ink), x, y, XStringFormats.TopLeft);
            y += 11;
        }
    }

    /// <summary>64 hex digits as two lines of four groups of eight, the way the ballot check accepts them typed.</summary>
    private static IEnumerable<string> Groups(string hex)
    {
        for (int line = 0; line < hex.Length; line += 32)
        {
            string part = hex.Substring(line, Math.Min(32, hex.Length - line));
            yield return string.Join(' ', Enumerable.Range(0, (part.Length + 7) / 8).Select(i => part.Substring(i * 8, Math.Min(8, part.Length - i * 8))));
        }
    }

    /// <summary>Draws the QR code as vector squares (runs of dark modules merged), quiet zone included.</summary>
    private static void DrawQr(XGraphics g, string text, double x, double y, double size)
    {
        using QRCodeGenerator generator = new();
        using QRCodeData data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        List<System.Collections.BitArray> matrix = data.ModuleMatrix;
        double module = size / matrix.Count;
        XBrush dark = Brush(XColors.Black);
        for (int row = 0; row < matrix.Count; row++)
        {
            int col = 0;
            while (col < matrix[row].Length)
            {
                if (!matrix[row][col])
                {
                    col++;
                    continue;
                }

                int start = col;
                while (col < matrix[row].Length && matrix[row][col])
                {
                    col++;
                }

                // A hair of overlap so that renderers leave no seams between modules.
                g.DrawRectangle(dark, x + start * module, y + row * module, (col - start) * module + 0.05, module + 0.05);
            }
        }
    }

    private static string Fit(XGraphics g, string text, XFont font, double width)
    {
        if (g.MeasureString(text, font).Width <= width)
        {
            return text;
        }

        int length = text.Length;
        while (length > 1 && g.MeasureString(text[..length] + "…", font).Width > width)
        {
            length--;
        }

        return text[..length] + "…";
    }

    private static XSolidBrush Brush(XColor color) => new(color);
}

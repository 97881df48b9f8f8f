using System.Globalization;
using System.Text;
using Entente.Audit.Io;

namespace Entente.Audit.Sampling;

/// <summary>How a ballot's id text (the string the consistent sampler hashes) is formed.</summary>
public enum BallotIdScheme
{
    /// <summary>
    /// Ours: <c>tabulator|batch|position</c>, with <c>%</c> written <c>%25</c> and <c>|</c> written <c>%7C</c> in names,
    /// an empty tabulator when the manifest has none, and the position in decimal.
    /// </summary>
    Entente,

    /// <summary>Arlo's production ids: Python str of <c>((jurisdiction, tabulator or None, batch), position)</c>.</summary>
    Arlo,

    /// <summary>Arlo's sampler-level ids: Python str of <c>(batch, position)</c>, as in Arlo's own sampler tests.</summary>
    ArloBatch,
}

/// <summary>Id texts for ballots in a manifest.</summary>
public static class BallotIds
{
    /// <summary>The id text of one ballot.</summary>
    public static string Text(BallotIdScheme scheme, ManifestBatch batch, long position, string? jurisdiction)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(position, 1);
        return scheme switch
        {
            BallotIdScheme.Entente => string.Create(CultureInfo.InvariantCulture,
                $"{Escape(batch.Tabulator ?? "")}|{Escape(batch.Batch)}|{position}"),
            BallotIdScheme.Arlo => PythonRepr.Str(new object?[]
            {
                // In a multi-jurisdiction audit (jurisdiction null) each batch's tabulator carries its jurisdiction (Trail/AuditTrail.Jurisdictions.cs).
                jurisdiction is null && batch.Tabulator is string union
                    ? new object?[] { Trail.MultiJurisdiction.Split(union).Jurisdiction, Trail.MultiJurisdiction.Split(union).Tabulator, batch.Batch }
                    : new object?[] { jurisdiction ?? throw new ArgumentException("Arlo ids need the jurisdiction name.", nameof(jurisdiction)), batch.Tabulator, batch.Batch },
                position,
            }),
            BallotIdScheme.ArloBatch => PythonRepr.Str(new object?[] { batch.Batch, position }),
            _ => throw new ArgumentOutOfRangeException(nameof(scheme)),
        };
    }

    private static string Escape(string name)
    {
        StringBuilder builder = new(name.Length);
        foreach (char c in name)
        {
            builder.Append(c switch { '%' => "%25", '|' => "%7C", _ => c.ToString() });
        }

        return builder.ToString();
    }

    /// <summary>Every ballot of the manifest in manifest order, with its id text.</summary>
    public static IReadOnlyList<(ManifestBatch Batch, long Position, string Id)> Enumerate(BallotManifest manifest, BallotIdScheme scheme, string? jurisdiction = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        jurisdiction ??= manifest.Jurisdiction;
        if (manifest.TotalBallots > int.MaxValue)
        {
            throw new ArgumentException("The manifest has more ballots than one sample can index.", nameof(manifest));
        }

        List<(ManifestBatch, long, string)> result = new((int)manifest.TotalBallots);
        foreach (ManifestBatch batch in manifest.Batches)
        {
            for (long p = 1; p <= batch.Ballots; p++)
            {
                result.Add((batch, p, Text(scheme, batch, p, jurisdiction)));
            }
        }

        return result;
    }
}

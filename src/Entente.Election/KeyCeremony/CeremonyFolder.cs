using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// The folder the guardians of one election share (docs/record-format.md §5): the canonical
/// manifest and parameters, then each guardian's public key, the encrypted shares and the approvals.
/// Every file is written atomically; every file read is checked against this election's H_B.
/// </summary>
public sealed class CeremonyFolder
{
    /// <summary>A ceremony folder at <paramref name="root"/>.</summary>
    public CeremonyFolder(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <summary>Path of a file inside the folder.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes manifest.json and parameters.json into a new or empty folder.</summary>
    public async Task InitializeAsync(ElectionParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (Directory.Exists(Root) && Directory.EnumerateFileSystemEntries(Root).Any())
        {
            throw new ElectionFormatException(Root, "", "the ceremony folder exists and is not empty; choose a new folder");
        }

        await RecordFiles.WriteAtomicAsync(PathOf("manifest.json"), parameters.Manifest.CanonicalBytes, cancellationToken).ConfigureAwait(false);
        await RecordFiles.WriteAtomicAsync(PathOf("parameters.json"), RecordCodec.WriteParameters(parameters), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads and checks the manifest and parameters.</summary>
    public async Task<ElectionParameters> LoadParametersAsync(CancellationToken cancellationToken = default)
    {
        byte[] manifestBytes = await RecordFiles.ReadLimitedAsync(PathOf("manifest.json"), ManifestReader.MaxBytes, cancellationToken).ConfigureAwait(false);
        ElectionManifest manifest = ManifestReader.Parse(manifestBytes, PathOf("manifest.json"));
        byte[] parameterBytes = await RecordFiles.ReadLimitedAsync(PathOf("parameters.json"), RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false);
        return RecordCodec.ReadParameters(PathOf("parameters.json"), parameterBytes, manifest);
    }
}

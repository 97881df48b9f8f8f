using Entente.Election.Manifest;
using Entente.Election.Record;

namespace Entente.Election.Board;

/// <summary>
/// The shared place as a folder (a network share, or files carried between machines; docs/record-format.md §5): each
/// document is one file at <see cref="ElectionDocument.Path"/>, written atomically. A folder has no signatures, so a
/// joint document is published by whoever writes it first; publishing the same bytes again is
/// <see cref="PublicationState.AlreadyPublished"/>, different bytes are refused. Reads are size-limited; the protocol
/// steps check the contents.
/// </summary>
public sealed class FolderElectionBoard : IElectionBoard
{
    /// <summary>A ceremony folder at <paramref name="root"/> (created on the first write).</summary>
    public FolderElectionBoard(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = System.IO.Path.GetFullPath(root);
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public string Location => Root;

    /// <summary>The full path of a file inside the folder.</summary>
    public string PathOf(string relative) => System.IO.Path.Combine(Root, relative);

    /// <inheritdoc/>
    public string Describe(ElectionDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return PathOf(document.Path);
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadAsync(ElectionDocument document, CancellationToken cancellationToken = default)
    {
        string path = Describe(document);
        if (!File.Exists(path))
        {
            return null;
        }

        long limit = document.Kind == ElectionDocumentKind.Manifest ? ManifestReader.MaxBytes : RecordStore.MaxFileBytes;
        return await RecordFiles.ReadLimitedAsync(path, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ElectionDocument>> ListAsync(ElectionDocumentKind kind, CancellationToken cancellationToken = default)
    {
        if (ElectionDocument.IsSingleKind(kind))
        {
            throw new ArgumentException($"{kind} is a single document, not a collection.", nameof(kind));
        }

        (string directory, string prefix) = kind switch
        {
            ElectionDocumentKind.GuardianKey => ("public", "guardian-"),
            ElectionDocumentKind.Share => ("shares", "share-"),
            ElectionDocumentKind.Approval => ("approvals", "guardian-"),
            ElectionDocumentKind.Ballot => ("ballots", ""),
            ElectionDocumentKind.Device => ("devices", ""),
            ElectionDocumentKind.DecryptionCommit => ("decryption", "commit-"),
            ElectionDocumentKind.DecryptionReveal => ("decryption", "reveal-"),
            ElectionDocumentKind.DecryptionResponse => ("decryption", "response-"),
            ElectionDocumentKind.Opening => ("challenged", ""),
            ElectionDocumentKind.Uncast => ("uncast", ""),
            ElectionDocumentKind.Seal => ("sealed", ""),
            ElectionDocumentKind.DecryptionAbandon => ("decryption", "abandon-"),
            _ => ("contest_data", ""),
        };
        string folder = PathOf(directory);
        List<ElectionDocument> documents = [];
        if (Directory.Exists(folder))
        {
            foreach (string file in Directory.EnumerateFiles(folder, prefix + "*.json"))
            {
                string stem = System.IO.Path.GetFileNameWithoutExtension(file);
                if (ElectionDocument.TryFromId(kind, stem[prefix.Length..]) is ElectionDocument document)
                {
                    documents.Add(document);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<ElectionDocument>>([.. documents.OrderBy(d => d.Id, StringComparer.Ordinal)]);
    }

    /// <inheritdoc/>
    public async Task<Publication> PublishAsync(ElectionDocument document, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        string path = Describe(document);
        if (await ReadAsync(document, cancellationToken).ConfigureAwait(false) is byte[] existing)
        {
            return existing.AsSpan().SequenceEqual(bytes.Span)
                ? Publication.AlreadyPublished
                : throw new ElectionBoardException(BoardRefusalReason.Conflict, path, "Already published",
                    $"a different {document.Path} is already in the ceremony folder; a published document is never replaced");
        }

        await RecordFiles.WriteAtomicAsync(path, bytes, cancellationToken).ConfigureAwait(false);
        return Publication.Published;
    }
}

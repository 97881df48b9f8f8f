using System.Collections.Concurrent;
using System.Text;
using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.PreEncryption;
using Entente.Election.Record;

namespace Entente.Election.Tests.Contract;

/// <summary>
/// The loads of a listing (<see cref="ElectionBoardReads.LoadBallotsAsync"/>'s ballots and device records,
/// <see cref="ElectionBoardReads.LoadUncastAsync"/>) read through <see cref="IElectionBoard.ReadManyAsync"/>, so a place
/// that reads in bulk (the board's <c>GET /blobs</c>) does so for each; one that disappears is named as before.
/// </summary>
public class ListingReadsTests
{
    [Fact]
    public async Task Ballots_device_records_and_uncast_ballots_are_read_in_bulk_in_listing_order_and_one_gone_is_named()
    {
        using TestFiles.TempFolder temp = new();
        (FolderElectionBoard folder, ElectionContext context, string printed, IReadOnlyList<PreEncryptedBallot> printedBallots) = await PreEncryptionStepsTests.PrintAsync(temp, 2);
        string marks = $$"""{"ballots":[{"id":"{{printedBallots[0].Id}}","uncast":true},{"id":"{{printedBallots[1].Id}}","uncast":true}]}""";
        await PreEncryptionSteps.RecordAsync(folder, printed, "marks.json", Encoding.UTF8.GetBytes(marks), TimeProvider.System);
        IReadOnlyList<PlaintextBallotEntry> entries = PlaintextBallotReader.Parse("ballots.json",
            Encoding.UTF8.GetBytes("""{"ballots":[{"style":"mayor only","selections":{"Mayor":{"A":1}}},{"style":"mayor only","selections":{"Mayor":{"B":1}}}]}"""), context.Parameters.Manifest);
        await EncryptionSteps.EncryptAsync(folder, entries, "booth-1", "Booth 1", TimeProvider.System);
        await EncryptionSteps.EncryptAsync(folder, entries, "booth-2", "Booth 2", TimeProvider.System);

        Recording board = new(folder);
        (IReadOnlyList<DeviceRecord> devices, IReadOnlyList<EncryptedBallot> ballots) = await board.LoadBallotsAsync(context);
        IReadOnlyList<UncastBallot> uncast = await board.LoadUncastAsync(context, ballots);

        IReadOnlyList<ElectionDocument> listedDevices = await folder.ListAsync(ElectionDocumentKind.Device);
        IReadOnlyList<ElectionDocument> listedUncast = await folder.ListAsync(ElectionDocumentKind.Uncast);
        Assert.Equal(2, listedDevices.Count);
        Assert.Equal(2, listedUncast.Count);
        Assert.Equal(listedDevices.Select(d => d.Id), devices.Select(d => d.Device));
        Assert.Equal(listedUncast.Select(u => u.Id), uncast.Select(u => u.Id.ToHex()));
        Assert.Equal(4, ballots.Count);

        // Each listing asked in one bulk read, in its order; nothing read one by one.
        Assert.Empty(board.Alone);
        Assert.Equal(3, board.Bulk.Count);
        Assert.Equal((await folder.ListAsync(ElectionDocumentKind.Ballot)).Select(d => d.Path), board.Bulk[0].Select(d => d.Path));
        Assert.Equal(listedDevices.Select(d => d.Path), board.Bulk[1].Select(d => d.Path));
        Assert.Equal(listedUncast.Select(d => d.Path), board.Bulk[2].Select(d => d.Path));

        // A document listed but gone when read is named with the message a single read gave.
        Recording losingDevice = new(folder) { Gone = listedDevices[1] };
        ElectionFormatException device = await Assert.ThrowsAsync<ElectionFormatException>(() => losingDevice.LoadBallotsAsync(context));
        Assert.Equal(folder.Describe(listedDevices[1]), device.File);
        Assert.Equal("the device record disappeared while it was read", device.Problem);

        Recording losingUncast = new(folder) { Gone = listedUncast[0] };
        ElectionFormatException opened = await Assert.ThrowsAsync<ElectionFormatException>(() => losingUncast.LoadUncastAsync(context, ballots));
        Assert.Equal(folder.Describe(listedUncast[0]), opened.File);
        Assert.Equal("the uncast ballot disappeared while it was read", opened.Problem);
    }

    /// <summary>A place that records its bulk reads and its single reads, and answers <see cref="Gone"/> as not published.</summary>
    private sealed class Recording(IElectionBoard inner) : IElectionBoard
    {
        public ConcurrentQueue<ElectionDocument> Alone { get; } = new();

        public List<IReadOnlyList<ElectionDocument>> Bulk { get; } = [];

        public ElectionDocument? Gone { get; init; }

        public string Location => inner.Location;

        public string Describe(ElectionDocument document) => inner.Describe(document);

        public Task<byte[]?> ReadAsync(ElectionDocument document, CancellationToken cancellationToken = default)
        {
            Alone.Enqueue(document);
            return inner.ReadAsync(document, cancellationToken);
        }

        public async Task<IReadOnlyList<byte[]?>> ReadManyAsync(IReadOnlyList<ElectionDocument> documents, CancellationToken cancellationToken = default)
        {
            lock (Bulk)
            {
                Bulk.Add([.. documents]);
            }

            IReadOnlyList<byte[]?> read = await inner.ReadManyAsync(documents, cancellationToken);
            return [.. read.Select((bytes, i) => documents[i].Path == Gone?.Path ? null : bytes)];
        }

        public Task<IReadOnlyList<ElectionDocument>> ListAsync(ElectionDocumentKind kind, CancellationToken cancellationToken = default) => inner.ListAsync(kind, cancellationToken);

        public Task<Publication> PublishAsync(ElectionDocument document, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("read only");
    }
}

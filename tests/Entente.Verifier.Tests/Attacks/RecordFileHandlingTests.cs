using System.Diagnostics;
using System.Net.Sockets;
using Entente.Cli.Commands;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Attacks;

/// <summary>
/// What `entente verify` reads from a record directory: only regular files inside it, each within its size limit,
/// checked before the file is opened. A link to /dev/zero, a link out of the record, a FIFO, a socket, a folder where
/// a file should be and an oversized ballot are each an input error (exit 2) naming the file, for the native format
/// and for egk's. Each verification runs under a generous deadline so that a hang (a FIFO opened for reading waits
/// for a writer forever) fails the test instead of stalling the suite; the deadline is a liveness guard, not a timing.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class RecordFileHandlingTests(NativeRecords records)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private static (int Exit, string Error) Run(string directory, string format = "native")
    {
        Task<(int, string)> run = Task.Run(() =>
        {
            using StringWriter output = new();
            using StringWriter error = new();
            int exit = VerifyCommand.Run(directory, format, json: false, threads: 2, output, error, showProgress: false, format == "egk" ? EgkSample.Memo : null, allowToyGroups: true);
            return (exit, error.ToString());
        });
        Assert.True(run.Wait(Deadline), $"the verifier did not finish within {Deadline.TotalSeconds} s");
        return run.Result;
    }

    private static void Link(string path, string target)
    {
        File.Delete(path);
        File.CreateSymbolicLink(path, target);
    }

    private static void MakeFifo(string path)
    {
        File.Delete(path);
        using Process process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>Opens the FIFO for writing if a reader is stuck on it, so that no thread stays blocked after a failed test.</summary>
    private static void Unblock(string fifo)
    {
        Task writer = Task.Run(() =>
        {
            using FileStream stream = new(fifo, FileMode.Open, FileAccess.Write);
        });
        _ = writer.Wait(TimeSpan.FromSeconds(1));
    }

    private static void AssertInputError((int Exit, string Error) result, string file, string reason)
    {
        Assert.Equal(2, result.Exit);
        Assert.Contains(file + ":", result.Error, StringComparison.Ordinal);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ native records

    [Fact]
    public void A_ballot_that_is_a_symbolic_link_to_dev_zero_is_an_input_error_naming_it_without_reading_it()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("cast");
        Link(copy.PathOf(ballot), "/dev/zero");

        AssertInputError(Run(copy.Directory), ballot, "leads outside the record directory");
    }

    [Fact]
    public void A_ballot_that_is_a_symbolic_link_out_of_the_record_is_an_input_error()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("cast");
        string outside = Path.Combine(Path.GetTempPath(), "entente-outside-" + Guid.NewGuid().ToString("N") + ".json");
        File.Copy(copy.PathOf(ballot), outside);
        try
        {
            Link(copy.PathOf(ballot), outside);

            AssertInputError(Run(copy.Directory), ballot, "leads outside the record directory");
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public void A_ballot_that_is_a_loop_of_symbolic_links_is_an_input_error()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("cast");
        Link(copy.PathOf(ballot), Path.GetFileName(ballot));

        AssertInputError(Run(copy.Directory), ballot, "too many levels of symbolic links");
    }

    [Fact]
    public void A_ballot_folder_that_is_a_symbolic_link_out_of_the_record_is_an_input_error()
    {
        using NativeCopy copy = new(records.Chained);
        string outside = Path.Combine(Path.GetTempPath(), "entente-outside-" + Guid.NewGuid().ToString("N"));
        Directory.Move(copy.PathOf("ballots"), outside);
        try
        {
            Directory.CreateSymbolicLink(copy.PathOf("ballots"), outside);

            (int exit, string error) = Run(copy.Directory);

            Assert.Equal(2, exit);
            Assert.Contains("ballots/", error, StringComparison.Ordinal);
            Assert.Contains("leads outside the record directory", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void A_record_reached_through_a_symbolic_link_and_links_that_stay_inside_it_still_verify()
    {
        using NativeCopy copy = new(records.Chained);
        string guardian = copy.PathOf("guardians/guardian-1.json");
        string kept = copy.PathOf("guardians-1.json.kept");
        File.Move(guardian, kept);
        File.CreateSymbolicLink(guardian, "../guardians-1.json.kept");
        copy.Reseal();
        string link = Path.Combine(Path.GetTempPath(), "entente-link-" + Guid.NewGuid().ToString("N"));
        Directory.CreateSymbolicLink(link, copy.Directory);
        try
        {
            VerificationReport report = NativeRecords.Verify(link);

            Assert.True(report.Passed, string.Join("; ", report.Steps.SelectMany(s => s.Failures)));
            Assert.Equal(3, report.Step("2")!.Checked);
        }
        finally
        {
            Directory.Delete(link);
        }
    }

    [Fact]
    public void A_fifo_in_place_of_a_ballot_is_an_input_error_and_never_blocks()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("challenged");
        MakeFifo(copy.PathOf(ballot));
        try
        {
            AssertInputError(Run(copy.Directory), ballot, "is a FIFO");
        }
        finally
        {
            Unblock(copy.PathOf(ballot));
        }
    }

    [Fact]
    public void A_socket_in_place_of_a_ballot_is_an_input_error()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("cast");
        File.Delete(copy.PathOf(ballot));

        // A socket path is at most 108 bytes: bind it under a short name, then move it into the record.
        string shortPath = Path.Combine(Path.GetTempPath(), "es-" + Guid.NewGuid().ToString("N")[..8]);
        using Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(shortPath));
        File.Move(shortPath, copy.PathOf(ballot));

        AssertInputError(Run(copy.Directory), ballot, "is a socket");
    }

    [Fact]
    public void An_oversized_ballot_is_refused_by_its_size_before_it_is_read()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("cast");
        using (FileStream stream = new(copy.PathOf(ballot), FileMode.Truncate, FileAccess.Write))
        {
            stream.SetLength(50L * 1024 * 1024); // sparse: 50 MB of metadata, no data written
        }

        AssertInputError(Run(copy.Directory), ballot, "the file is 52428800 bytes; the limit for this file is");
    }

    [Fact]
    public void The_ballot_size_limit_comes_from_the_manifest_and_admits_every_ballot_of_the_record()
    {
        Native.NativeRecord record = Native.NativeRecord.Open(records.Chained);
        long largest = Directory.EnumerateFiles(Path.Combine(records.Chained, "ballots")).Max(f => new FileInfo(f).Length);

        Assert.InRange(record.BallotLimit, largest, 8 * largest + 8192);
        Assert.True(record.OpeningLimit < record.BallotLimit);
    }

    [Fact]
    public void A_folder_in_place_of_the_tally_is_an_input_error_naming_it()
    {
        using NativeCopy copy = new(records.Chained);
        File.Delete(copy.PathOf("tally/tally.json"));
        Directory.CreateDirectory(copy.PathOf("tally/tally.json"));

        AssertInputError(Run(copy.Directory), "tally/tally.json", "is a folder, not a file");
    }

    [Fact]
    public void A_folder_in_place_of_a_ballot_is_an_input_error_naming_it()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("cast");
        File.Delete(copy.PathOf(ballot));
        Directory.CreateDirectory(copy.PathOf(ballot));

        AssertInputError(Run(copy.Directory), ballot, "is a folder, not a file");
    }

    // ------------------------------------------------------------------ egk records

    [Fact]
    [Trait("Category", "Slow")]
    public void An_egk_ballot_that_is_a_symbolic_link_to_dev_zero_is_an_input_error()
    {
        using TempRecord record = new();
        Link(record.PathOf(EgkSample.Ballot("id-1")), "/dev/zero");

        AssertInputError(Run(record.Directory, "egk"), EgkSample.Ballot("id-1"), "leads outside the record directory");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void An_egk_ballot_that_is_a_fifo_is_an_input_error_and_never_blocks()
    {
        using TempRecord record = new();
        string ballot = record.PathOf(EgkSample.Ballot("id-1"));
        MakeFifo(ballot);
        try
        {
            AssertInputError(Run(record.Directory, "egk"), EgkSample.Ballot("id-1"), "is a FIFO");
        }
        finally
        {
            Unblock(ballot);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void An_oversized_egk_ballot_is_refused_by_its_size_before_it_is_read()
    {
        using TempRecord record = new();
        using (FileStream stream = new(record.PathOf(EgkSample.Ballot("id-1")), FileMode.Truncate, FileAccess.Write))
        {
            stream.SetLength(50L * 1024 * 1024);
        }

        AssertInputError(Run(record.Directory, "egk"), EgkSample.Ballot("id-1"), "the file is 52428800 bytes; the limit for this file is");
    }

    [Fact]
    public void The_egk_ballot_size_limit_comes_from_the_manifest_and_admits_the_sample()
    {
        Egk.EgkRecord record = Egk.EgkRecord.Open(EgkSample.Directory);
        long largest = record.BallotFiles.Max(f => new FileInfo(Path.Combine(EgkSample.Directory, f.File)).Length);

        Assert.InRange(record.BallotLimit, 4 * largest, 40 * largest);
    }

    [Fact]
    public void An_egk_tally_that_is_a_folder_or_a_link_out_of_the_record_is_an_input_error()
    {
        using TempRecord folder = new();
        File.Delete(folder.PathOf("tally.json"));
        Directory.CreateDirectory(folder.PathOf("tally.json"));
        AssertInputError(Run(folder.Directory, "egk"), "tally.json", "is a folder, not a file");

        using TempRecord linked = new();
        Link(linked.PathOf("tally.json"), Path.Combine(EgkSample.Directory, "tally.json"));
        AssertInputError(Run(linked.Directory, "egk"), "tally.json", "leads outside the record directory");
    }

    // ------------------------------------------------------------------ parallel steps

    [Fact]
    public void An_unexpected_exception_in_a_parallel_step_becomes_one_input_error_naming_the_first_failing_file()
    {
        // Both bodies run at once (the barrier) and both fail: one error, for the first file in ordinal order.
        using Barrier both = new(2);
        string[] files = ["ballots/B.json", "ballots/A.json"];

        RecordInputException e = Assert.Throws<RecordInputException>(() => ParallelWork.ForEach(files, 2, f => f, f =>
        {
            both.SignalAndWait(Deadline);
            throw new InvalidOperationException("boom in " + f);
        }));

        Assert.Equal("ballots/A.json", e.File);
        Assert.Equal("the file cannot be checked: InvalidOperationException: boom in ballots/A.json", e.Reason);
    }

    [Fact]
    public void An_input_error_in_a_parallel_step_passes_through_as_itself()
    {
        RecordInputException original = new("ballots/B.json", "the file is empty.");

        RecordInputException e = Assert.Throws<RecordInputException>(() => ParallelWork.ForEach(
            ["ballots/B.json", "ballots/C.json"], 2, f => f, () => 0, (f, n) => f == "ballots/B.json" ? throw original : n + 1, _ => { }));

        Assert.Same(original, e);
    }
}

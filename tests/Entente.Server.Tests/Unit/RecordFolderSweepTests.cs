using Entente.Server.Pages;

namespace Entente.Server.Tests.Unit;

/// <summary>
/// <see cref="RecordVerification.SweepStale"/>: a board killed while it verified its record for the pages (SIGKILL, the
/// demo's end) left the whole record in the temporary folder, one per run; the next run of any board on the machine
/// removes those no live run holds, and never one in use.
/// </summary>
public sealed class RecordFolderSweepTests
{
    [Fact]
    public void Folders_whose_run_died_are_removed_and_those_in_use_or_recent_without_a_lock_are_kept()
    {
        DirectoryInfo root = Directory.CreateTempSubdirectory("entente-sweep-test-");
        try
        {
            string Folder(string name, bool withFile = true)
            {
                string path = Path.Combine(root.FullName, RecordVerification.FolderPrefix + name);
                Directory.CreateDirectory(Path.Combine(path, "ballots"));
                if (withFile)
                {
                    File.WriteAllText(Path.Combine(path, "ballots", "b.json"), "{}");
                }

                return path;
            }

            // A run that died: its lock file is there, nobody holds it.
            string dead = Folder("dead");
            RecordVerification.Hold(dead).Dispose();
            // A run in progress (another board on the machine): its lock is held.
            string live = Folder("live");
            using FileStream held = RecordVerification.Hold(live);
            // Folders of a board from before the locks: an old one is abandoned, a recent one may still be in use.
            string oldUnlocked = Folder("old");
            Directory.SetLastWriteTimeUtc(oldUnlocked, DateTime.UtcNow.AddHours(-2));
            string recentUnlocked = Folder("recent");
            // Lock files without a folder: one abandoned, one held by a run about to extract its record.
            string orphan = Path.Combine(root.FullName, RecordVerification.FolderPrefix + "orphan");
            RecordVerification.Hold(orphan).Dispose();
            string starting = Path.Combine(root.FullName, RecordVerification.FolderPrefix + "starting");
            using FileStream startingLock = RecordVerification.Hold(starting);
            // Not ours.
            string other = Path.Combine(root.FullName, "someone-else");
            Directory.CreateDirectory(other);
            Directory.SetLastWriteTimeUtc(other, DateTime.UtcNow.AddDays(-3));

            int removed = RecordVerification.SweepStale(root.FullName);

            Assert.Equal(2, removed);
            Assert.False(Directory.Exists(dead));
            Assert.False(File.Exists(dead + RecordVerification.LockSuffix));
            Assert.False(Directory.Exists(oldUnlocked));
            Assert.True(File.Exists(Path.Combine(live, "ballots", "b.json")));
            Assert.True(File.Exists(live + RecordVerification.LockSuffix));
            Assert.True(Directory.Exists(recentUnlocked));
            Assert.False(File.Exists(orphan + RecordVerification.LockSuffix));
            Assert.True(File.Exists(starting + RecordVerification.LockSuffix));
            Assert.True(Directory.Exists(other));

            // Once its run ends without cleaning up (the lock released, nothing deleted), the next sweep takes it.
            held.Dispose();
            Assert.Equal(1, RecordVerification.SweepStale(root.FullName));
            Assert.False(Directory.Exists(live));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}

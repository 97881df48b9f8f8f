using System.Globalization;
using System.Runtime.InteropServices;

namespace Entente.Verifier.Framework;

/// <summary>
/// A record directory as both verifiers read it. A file is named by its path relative to the directory
/// and is read only when, before it is opened:
/// <list type="bullet">
/// <item>its real location, with every symbolic link resolved at every level, lies inside the directory's
/// real location (a link to <c>/dev/zero</c>, to <c>/etc/passwd</c> or to another record is refused);</item>
/// <item>it is a regular file: not a directory, a character or block device, a FIFO or a socket (the
/// type comes from the file system, so a FIFO is never opened and cannot block the verifier);</item>
/// <item>its size, from the file system's metadata, is within the limit the caller gives for that kind
/// of file (an oversized ballot is refused without reading a byte of it).</item>
/// </list>
/// It is then read to at most that size; a file that grows while it is read is refused too. Every
/// refusal is a <see cref="RecordInputException"/> naming the file. Links that stay inside the directory
/// are followed. The directory is assumed not to change while it is verified: a file replaced between
/// the check and the read can at worst be refused by the bounded read (or, for a FIFO swapped in at
/// that instant, make the read wait), never read beyond its limit.
/// </summary>
public sealed partial class RecordDirectory : IRecordFiles
{
    private const int MaxLinks = 40;

    /// <summary>Opens <paramref name="directory"/>; throws <see cref="RecordInputException"/> when it is not a directory.</summary>
    public RecordDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Path = directory;
        string real;
        try
        {
            real = RealPath(System.IO.Path.GetFullPath(directory));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new RecordInputException(directory, $"the record directory cannot be opened: {e.Message}", e);
        }

        if (!Directory.Exists(real))
        {
            throw new RecordInputException(directory, File.Exists(real) ? "is a file, not a record directory." : "the record directory does not exist.");
        }

        RealLocation = real;
    }

    /// <summary>The directory as given.</summary>
    public string Path { get; }

    /// <summary>The directory's real location (every symbolic link resolved).</summary>
    public string RealLocation { get; }

    /// <summary>Whether anything (a file, a folder, a link, even a dangling one) has this relative path.</summary>
    public bool Exists(string relative)
    {
        string full = Full(relative);
        return System.IO.Path.Exists(full) || new FileInfo(full).LinkTarget is not null;
    }

    /// <summary>
    /// Whether this relative path is a folder inside the directory (links to folders inside it count); false when
    /// nothing or something else has that path. A link that leads outside the directory is an input error.
    /// </summary>
    public bool IsFolder(string relative)
    {
        string real;
        try
        {
            if (!Exists(relative))
            {
                return false;
            }

            real = Resolve(RealLocation, relative);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RecordInputException(relative + "/", $"the folder cannot be opened: {e.Message}", e);
        }

        if (!Inside(real))
        {
            throw new RecordInputException(relative + "/", $"is a symbolic link that leads outside the record directory (to {real}); only files inside the record are read.");
        }

        return Directory.Exists(real);
    }

    /// <summary>
    /// The entries of a folder (files, folders, links, FIFOs…; anything but "." and ".."), as relative paths
    /// <c>folder/name</c> sorted by ordinal; empty when the folder does not exist. Whatever is listed is
    /// refused when read unless it is a regular file inside the directory. Something other than a folder
    /// with that name, or a link to a folder outside the directory, is an input error.
    /// </summary>
    public IReadOnlyList<string> List(string folder)
    {
        if (!IsFolder(folder))
        {
            if (Exists(folder))
            {
                throw new RecordInputException(folder + "/", "is not a folder.");
            }

            return [];
        }

        try
        {
            return [.. Directory.EnumerateFileSystemEntries(Full(folder))
                .Select(p => folder + "/" + System.IO.Path.GetFileName(p))
                .Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RecordInputException(folder + "/", $"the folder cannot be listed: {e.Message}", e);
        }
    }

    /// <summary>
    /// Every entry of the directory that is not a folder (files, links, FIFOs…), relative with '/' separators,
    /// sorted by ordinal. Folders are walked, links to folders are not (a link cannot make the walk loop or leave
    /// the directory); such a link is listed as an entry like a file.
    /// </summary>
    public IReadOnlyList<string> ListAll()
    {
        List<string> entries = [];
        Walk("", entries);
        entries.Sort(StringComparer.Ordinal);
        return entries;
    }

    private void Walk(string relative, List<string> entries)
    {
        string full = relative.Length == 0 ? RealLocation : Full(relative);
        IEnumerable<string> children;
        try
        {
            children = [.. Directory.EnumerateFileSystemEntries(full)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RecordInputException(relative.Length == 0 ? "." : relative + "/", $"the folder cannot be listed: {e.Message}", e);
        }

        foreach (string child in children)
        {
            string name = relative.Length == 0 ? System.IO.Path.GetFileName(child) : relative + "/" + System.IO.Path.GetFileName(child);
            FileInfo info = new(child);
            if (info.LinkTarget is null && Directory.Exists(child))
            {
                Walk(name, entries);
            }
            else
            {
                entries.Add(name);
            }
        }
    }

    /// <summary>
    /// Reads the file at <paramref name="relative"/> after the checks of the class summary, refusing it when
    /// its size is above <paramref name="limit"/> bytes.
    /// </summary>
    public byte[] ReadFile(string relative, long limit)
    {
        ArgumentNullException.ThrowIfNull(relative);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (System.IO.Path.IsPathRooted(relative) || relative.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new RecordInputException(relative, "is not a path inside the record directory.");
        }

        try
        {
            if (!Exists(relative))
            {
                throw new RecordInputException(relative, "the file is missing.");
            }

            string real = Resolve(RealLocation, relative);
            if (!Inside(real))
            {
                throw new RecordInputException(relative, $"is a symbolic link that leads outside the record directory (to {real}); only files inside the record are read.");
            }

            (FileKind kind, long size) = Inspect(real);
            if (kind != FileKind.Regular)
            {
                throw new RecordInputException(relative, kind switch
                {
                    FileKind.Missing => "the file is missing (a symbolic link to nothing).",
                    FileKind.Directory => "is a folder, not a file.",
                    FileKind.CharacterDevice => "is a character device, not a regular file; only regular files are read.",
                    FileKind.BlockDevice => "is a block device, not a regular file; only regular files are read.",
                    FileKind.Fifo => "is a FIFO (named pipe), not a regular file; only regular files are read.",
                    FileKind.Socket => "is a socket, not a regular file; only regular files are read.",
                    _ => "is not a regular file; only regular files are read.",
                });
            }

            if (size > limit)
            {
                throw new RecordInputException(relative, string.Create(CultureInfo.InvariantCulture, $"the file is {size} bytes; the limit for this file is {limit}."));
            }

            if (size == 0)
            {
                throw new RecordInputException(relative, "the file is empty.");
            }

            return ReadBounded(relative, real, size);
        }
        catch (IOException e)
        {
            throw new RecordInputException(relative, $"the file cannot be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new RecordInputException(relative, $"the file cannot be read: {e.Message}", e);
        }
    }

    private static byte[] ReadBounded(string relative, string real, long size)
    {
        byte[] bytes = new byte[size];
        using FileStream stream = new(real, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 0 });
        int read = 0;
        while (read < bytes.Length)
        {
            int n = stream.Read(bytes, read, bytes.Length - read);
            if (n == 0)
            {
                throw new RecordInputException(relative, string.Create(CultureInfo.InvariantCulture, $"the file ended after {read} of its {size} bytes: it changed while it was read."));
            }

            read += n;
        }

        Span<byte> more = stackalloc byte[1];
        if (stream.Read(more) != 0)
        {
            throw new RecordInputException(relative, string.Create(CultureInfo.InvariantCulture, $"the file grew beyond its {size} bytes while it was read."));
        }

        return bytes;
    }

    private string Full(string relative) => System.IO.Path.Combine(RealLocation, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    private bool Inside(string real)
        => real.StartsWith(RealLocation.EndsWith(System.IO.Path.DirectorySeparatorChar) ? RealLocation : RealLocation + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// The real location of an absolute path: every component that is a symbolic link is replaced by its
    /// target, recursively (at most 40 links, like the kernel), "." and ".." resolved on the way.
    /// </summary>
    internal static string RealPath(string absolute)
    {
        string root = System.IO.Path.GetPathRoot(absolute) ?? throw new ArgumentException("the path is not absolute", nameof(absolute));
        return Resolve(root, absolute[root.Length..]);
    }

    /// <summary>The real location of <paramref name="relative"/> under <paramref name="start"/>, a real location itself.</summary>
    private static string Resolve(string start, string relative)
    {
        string root = System.IO.Path.GetPathRoot(start)!;
        Stack<string> pending = new(Components(relative).Reverse());
        string current = start;
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = System.IO.Path.GetDirectoryName(current) ?? root;
                continue;
            }

            string next = System.IO.Path.Join(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new IOException("too many levels of symbolic links");
            }

            if (System.IO.Path.IsPathRooted(target))
            {
                current = System.IO.Path.GetPathRoot(target)!;
                target = target[current.Length..];
            }

            foreach (string component in Components(target).Reverse())
            {
                pending.Push(component);
            }
        }

        return current;
    }

    private static string[] Components(string path) => path.Split(['/', System.IO.Path.DirectorySeparatorChar], StringSplitOptions.None);

    /// <summary>What a resolved path is and its size, from the file system, without opening it.</summary>
    private static (FileKind Kind, long Size) Inspect(string real)
    {
        if (Directory.Exists(real))
        {
            return (FileKind.Directory, 0);
        }

        if (!File.Exists(real))
        {
            return (FileKind.Missing, 0);
        }

        if (OperatingSystem.IsLinux() && Statx.TryInspect(real, out FileKind kind, out long size))
        {
            return (kind, size);
        }

        // Elsewhere (or without statx) .NET does not tell a FIFO or a device from a file, but the file system
        // gives them a size of 0: refusing empty files before they are opened keeps the verifier from blocking
        // on a FIFO or reading a device.
        long length = new FileInfo(real).Length;
        return (length == 0 ? FileKind.Unknown : FileKind.Regular, length);
    }

    /// <summary>The kinds of entry a record path can name.</summary>
    internal enum FileKind
    {
        Missing,
        Regular,
        Directory,
        CharacterDevice,
        BlockDevice,
        Fifo,
        Socket,
        Unknown,
    }

    /// <summary>
    /// statx(2) (Linux 4.11, glibc 2.28): the file type and size of a path without opening it. struct statx has
    /// the same layout on every architecture (stx_mode: u16 at byte 28; stx_size: u64 at byte 40; 256 bytes).
    /// </summary>
    private static partial class Statx
    {
        private const int AtFdCwd = -100;
        private const int AtSymlinkNoFollow = 0x100;
        private const uint StatxType = 0x1;
        private const uint StatxSize = 0x200;
        private static bool _unavailable;

        public static bool TryInspect(string path, out FileKind kind, out long size)
        {
            kind = FileKind.Unknown;
            size = 0;
            if (Volatile.Read(ref _unavailable))
            {
                return false;
            }

            byte[] buffer = new byte[256];
            int result;
            try
            {
                result = Call(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxSize, buffer);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                Volatile.Write(ref _unavailable, true);
                return false;
            }

            if (result != 0)
            {
                return false;
            }

            int mode = BitConverter.ToUInt16(buffer, 28);
            size = (long)Math.Min(BitConverter.ToUInt64(buffer, 40), long.MaxValue);
            kind = (mode & 0xF000) switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0x1000 => FileKind.Fifo,
                0xC000 => FileKind.Socket,
                _ => FileKind.Unknown,
            };
            return true;
        }

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Call(int directoryFd, string path, int flags, uint mask, [Out] byte[] buffer);
    }
}

namespace Entente.Election.Record;

/// <summary>
/// File I/O of the election record: every write is atomic (a temporary file in the same folder,
/// flushed to disk, then renamed over the target), so a crash leaves the old file or the new one,
/// never a mix; every read checks a size limit before reading.
/// </summary>
public static class RecordFiles
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            FileStream stream = new(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            });
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Writes a file atomically and readable only by its owner (guardian secrets).</summary>
    public static void WriteAtomicPrivate(string path, ReadOnlySpan<byte> bytes)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (FileStream stream = new(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
            }))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Reads a whole file, refusing one larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]> ReadLimitedAsync(string path, long maxBytes, CancellationToken cancellationToken = default)
    {
        FileInfo info = new(path);
        if (!info.Exists)
        {
            throw new ElectionFormatException(path, "", "the file does not exist");
        }

        if (info.Length > maxBytes)
        {
            throw new ElectionFormatException(path, "", $"the file is {info.Length} bytes; at most {maxBytes} are accepted");
        }

        return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a whole file synchronously with a size limit.</summary>
    public static byte[] ReadLimited(string path, long maxBytes)
    {
        FileInfo info = new(path);
        if (!info.Exists)
        {
            throw new ElectionFormatException(path, "", "the file does not exist");
        }

        if (info.Length > maxBytes)
        {
            throw new ElectionFormatException(path, "", $"the file is {info.Length} bytes; at most {maxBytes} are accepted");
        }

        return File.ReadAllBytes(path);
    }
}

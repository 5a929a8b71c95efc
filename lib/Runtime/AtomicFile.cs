using System.Text;

namespace DistillKit.Runtime;

/// <summary>
/// A file replaced whole or not at all, even across a crash, a full disk or a power loss: written under a temporary name
/// beside it (<c>NAME.tmp</c>), flushed to disk, renamed over it, and its folder flushed too
/// (<see cref="PosixFiles.SyncDirectory"/>), so that the rename itself is on disk. When the write fails the temporary
/// file is removed, the file keeps its previous content, and an <see cref="OutputWriteException"/> names the file and
/// the cause (<see cref="WriteFailures.Cause"/>). A temporary file left by a process killed mid-write is overwritten by
/// the next write.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> by what <paramref name="write"/> puts into the stream;
    /// <paramref name="what"/> says what the file is, for the message ("the run record").</summary>
    public static void Write(string path, string what, Action<Stream> write) =>
        WriteVia(path, what, tmp =>
        {
            using var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            write(file);
            file.Flush(flushToDisk: true);
        }, flushed: true);

    /// <summary>Replaces <paramref name="path"/> by <paramref name="text"/> (UTF-8, no byte-order mark).</summary>
    public static void WriteText(string path, string what, string text) =>
        Write(path, what, s => s.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>Replaces <paramref name="path"/> by the file that <paramref name="writeTo"/> writes at the temporary path
    /// it is given (for writers that take a path, such as TorchSharp's <c>save</c>).</summary>
    public static void WriteVia(string path, string what, Action<string> writeTo) => WriteVia(path, what, writeTo, flushed: false);

    static void WriteVia(string path, string what, Action<string> writeTo, bool flushed)
    {
        var tmp = path + ".tmp";
        try
        {
            writeTo(tmp);
            if (!flushed)
                using (var file = new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    file.Flush(flushToDisk: true);
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (WriteFailures.IsWriteFailure(e))
        {
            try
            {
                File.Delete(tmp);
            }
            catch (Exception other) when (WriteFailures.IsWriteFailure(other))
            {
                // the failure below is what matters; a leftover temporary file is overwritten next time
            }
            var kept = File.Exists(path) ? $" {Path.GetFileName(path)} keeps its previous content." : "";
            throw new OutputWriteException($"{path}: writing {what} failed: {WriteFailures.Cause(e, path)}.{kept}", e);
        }
        PosixFiles.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}

/// <summary>An output file (log, run record, config, weights) could not be written; the message names the file, the
/// cause and what is still intact on disk.</summary>
public sealed class OutputWriteException(string message, Exception inner) : IOException(message, inner)
{
    /// <summary>The same failure with <paramref name="note"/> (what the run left intact, how to go on) added.</summary>
    public OutputWriteException With(string note) => new($"{Message} {note}", InnerException!);
}

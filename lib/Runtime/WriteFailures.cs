using System.Runtime.InteropServices;

namespace DistillKit.Runtime;

/// <summary>
/// Write failures that name their cause. A process over its file-size limit (<c>ulimit -f</c>, RLIMIT_FSIZE) receives
/// SIGXFSZ, whose default action ends it at once, with no message and no clean-up; .NET leaves that default in place
/// (measured: a training under <c>ulimit -f 200</c> died with status 153 = 128 + SIGXFSZ, a half-written
/// <c>.tmp</c> left behind). <see cref="IgnoreFileSizeSignal"/>, called when the library loads, sets SIGXFSZ to
/// ignored, so the write fails with EFBIG. .NET 10 reports EFBIG from a write not as an <see cref="IOException"/> but as
/// an <see cref="ArgumentOutOfRangeException"/> ("Specified file length was too large for the file system", parameter
/// <c>value</c>: the mapping meant for SetLength); <see cref="IsWriteFailure"/> and <see cref="DiskLimit"/> recognise
/// both, so writers can turn them into one <see cref="IOException"/> naming the file.
/// </summary>
public static class WriteFailures
{
    const int SIGXFSZ = 25;      // Linux, x86-64 and arm64
    const int EACCES = 13, EISDIR = 21, ENOSPC = 28, EFBIG = 27, EROFS = 30, EDQUOT = 122;

    [DllImport("libc", EntryPoint = "signal")]
    static extern IntPtr signal(int signum, IntPtr handler);

    /// <summary>True once SIGXFSZ is ignored in this process.</summary>
    public static bool FileSizeSignalIgnored { get; private set; }

    /// <summary>Sets SIGXFSZ to ignored (Linux); false where that is not possible.</summary>
    public static bool IgnoreFileSizeSignal()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            FileSizeSignalIgnored = signal(SIGXFSZ, 1 /* SIG_IGN */) != -1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            FileSizeSignalIgnored = false;
        }
        return FileSizeSignalIgnored;
    }

    /// <summary>True for the exceptions a file write throws when it fails: <see cref="IOException"/>, the
    /// <see cref="UnauthorizedAccessException"/> .NET throws for EACCES, EPERM and a folder where a file should be, and the
    /// <see cref="ArgumentOutOfRangeException"/> .NET throws for EFBIG.</summary>
    public static bool IsWriteFailure(Exception e) => e is IOException or UnauthorizedAccessException || IsFileTooLarge(e);

    /// <summary>
    /// The cause of a write failure in words: <see cref="DiskLimit"/>'s, else "a folder is in the way (Is a directory)"
    /// (also when .NET reports a folder at <paramref name="path"/> as denied access), "the file system is read-only",
    /// "permission denied …", else the error's first line.
    /// </summary>
    public static string Cause(Exception e, string? path = null)
    {
        if (DiskLimit(e) is { } limit) return limit;
        var m = e.Message;
        if (e.HResult == EISDIR || m.Contains("Is a directory", StringComparison.OrdinalIgnoreCase) || path is not null && Directory.Exists(path))
            return "a folder is in the way (Is a directory); move it";
        if (e.HResult == EROFS || m.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase))
            return "the file system is read-only (Read-only file system)";
        if (e is UnauthorizedAccessException || e.HResult == EACCES || m.Contains("Permission denied", StringComparison.OrdinalIgnoreCase))
            return $"permission denied, the folder or the file is read-only or another user's ({Weights.WeightFiles.FirstLine(m)})";
        return Weights.WeightFiles.FirstLine(m);
    }

    static bool IsFileTooLarge(Exception e) =>
        e is ArgumentOutOfRangeException { ParamName: "value" } && e.Message.Contains("file length was too large", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// What a write error means for a writer, in words with the fix: "the disk is full", "the file-size limit
    /// (ulimit -f) was reached", "the disk quota is exhausted"; null for other errors. .NET sets an
    /// <see cref="IOException"/>'s HResult to the raw errno on Unix; the message is the fallback.
    /// </summary>
    public static string? DiskLimit(Exception e)
    {
        var m = e.Message;
        if (IsFileTooLarge(e)) return "the file-size limit was reached (File too large: ulimit -f / RLIMIT_FSIZE); raise the limit";
        if (e is not IOException) return null;
        if (e.HResult == ENOSPC || m.Contains("No space left on device", StringComparison.OrdinalIgnoreCase))
            return "the disk is full (No space left on device); free space on it";
        if (e.HResult == EFBIG || m.Contains("File too large", StringComparison.OrdinalIgnoreCase))
            return "the file-size limit was reached (File too large: ulimit -f / RLIMIT_FSIZE); raise the limit";
        if (e.HResult == EDQUOT || m.Contains("quota exceeded", StringComparison.OrdinalIgnoreCase))
            return "the disk quota is exhausted (Disk quota exceeded); free space or raise the quota";
        return null;
    }
}

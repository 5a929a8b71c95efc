using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DistillKit.Runtime;

/// <summary>
/// The few file-system calls .NET does not offer, through libc on Linux: an advisory whole-file lock (<c>flock(2)</c>) on a
/// descriptor opened without .NET's own FileShare emulation, and <c>fsync(2)</c> of a folder, which makes a rename in it
/// survive a power loss. .NET opens every file it reads with a shared <c>flock</c> (and FileShare.None with an exclusive
/// one), non-blocking, so a lock held through <see cref="OpenRead"/> would make a plain <c>File.ReadAllText</c> of the same
/// file fail: read such a file through <see cref="ReadAll(string)"/>. Elsewhere than Linux these report
/// <see cref="LockResult.Unsupported"/> and do nothing.
/// </summary>
public static class PosixFiles
{
    const int O_RDONLY = 0, O_CLOEXEC = 0x80000, O_DIRECTORY = 0x10000;  // Linux, x86-64 and arm64
    const int LOCK_EX = 2, LOCK_NB = 4;
    const int EPERM = 1, ENOENT = 2, EINTR = 4, EWOULDBLOCK = 11, EEXIST = 17, EXDEV = 18, EMLINK = 31, EOPNOTSUPP = 95;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    static extern int flock(SafeFileHandle fd, int operation);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    [DllImport("libc", EntryPoint = "unlink", SetLastError = true)]
    static extern int unlink([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    static extern int fsync(SafeFileHandle fd);

    /// <summary>Whether this platform gets the calls (Linux); elsewhere locks are unsupported and folder syncs skipped.</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>Outcome of <see cref="TryLock"/>.</summary>
    public enum LockResult
    {
        /// <summary>This descriptor holds the exclusive lock (until it is closed).</summary>
        Locked,
        /// <summary>Another open of the file holds it (another process, or another descriptor of this one).</summary>
        HeldElsewhere,
        /// <summary>The platform or the file system has no such locks.</summary>
        Unsupported,
    }

    /// <summary>
    /// Opens an existing file for reading, close-on-exec, with no lock of .NET's (a read-only descriptor can hold a
    /// <c>flock</c>); null when it does not exist. Elsewhere than Linux, .NET's own open. Other failures are an
    /// <see cref="IOException"/> naming the file.
    /// </summary>
    public static SafeFileHandle? OpenRead(string path)
    {
        if (!Supported)
            return File.Exists(path) ? File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;
        int fd;
        do fd = open(path, O_RDONLY | O_CLOEXEC, 0);
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        int errno = Marshal.GetLastPInvokeError();
        if (errno == ENOENT) return null;
        throw new IOException($"{path}: cannot open ({Marshal.GetPInvokeErrorMessage(errno)})", errno);
    }

    /// <summary>
    /// Gives the file at <paramref name="from"/> the name <paramref name="to"/> unless that name exists, atomically
    /// (<c>link(2)</c>, then the old name removed): of processes doing this at the same moment exactly one succeeds.
    /// False when <paramref name="to"/> exists. .NET's <c>File.Move(from, to, overwrite: false)</c> is not enough: where
    /// it checks for the target and then renames, two processes can both pass the check (seen: two trainings took one
    /// folder). Elsewhere than Linux, that <c>File.Move</c>. Other failures are an <see cref="IOException"/> naming both.
    /// </summary>
    public static bool MoveNoReplace(string from, string to)
    {
        if (!Supported) return DotNetMove(from, to);
        int r;
        do r = link(from, to);
        while (r != 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (r != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EEXIST) return false;
            if (errno is EPERM or EXDEV or EMLINK or EOPNOTSUPP) return DotNetMove(from, to);  // a file system without hard links
            throw new IOException($"{to}: cannot link {from} to it ({Marshal.GetPInvokeErrorMessage(errno)})", errno);
        }
        unlink(from);
        return true;
    }

    static bool DotNetMove(string from, string to)
    {
        try
        {
            File.Move(from, to, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(to))
        {
            return false;
        }
    }

    /// <summary>Takes the exclusive advisory lock of the open file without waiting (<c>flock(LOCK_EX | LOCK_NB)</c>). The
    /// kernel drops it when the last descriptor of that open closes, including when the process dies.</summary>
    public static LockResult TryLock(SafeFileHandle file)
    {
        if (!Supported) return LockResult.Unsupported;
        int r;
        do r = flock(file, LOCK_EX | LOCK_NB);
        while (r != 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (r == 0) return LockResult.Locked;
        return Marshal.GetLastPInvokeError() == EWOULDBLOCK ? LockResult.HeldElsewhere : LockResult.Unsupported;  // ENOLCK, EINVAL, EOPNOTSUPP
    }

    /// <summary>The whole content of an open file, read from offset 0.</summary>
    public static byte[] ReadAll(SafeFileHandle file)
    {
        var bytes = new byte[RandomAccess.GetLength(file)];
        int n = 0;
        while (n < bytes.Length && RandomAccess.Read(file, bytes.AsSpan(n), n) is var read and > 0) n += read;
        return n == bytes.Length ? bytes : bytes[..n];
    }

    /// <summary>The content of a file read without taking .NET's shared lock (so it works while another descriptor holds
    /// the exclusive one); null when the file does not exist.</summary>
    public static byte[]? ReadAll(string path)
    {
        using var file = OpenRead(path);
        return file is null ? null : ReadAll(file);
    }

    /// <summary>
    /// Flushes a folder's entries to disk (<c>fsync</c> of the folder), so that files created or renamed in it are still
    /// there after a power loss. True when done; false where unsupported (not Linux, or a file system that refuses it).
    /// </summary>
    public static bool SyncDirectory(string dir)
    {
        if (!Supported) return false;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0) return false;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        int r;
        do r = fsync(handle);
        while (r != 0 && Marshal.GetLastPInvokeError() == EINTR);
        return r == 0;
    }
}

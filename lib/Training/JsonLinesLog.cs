using System.Text;
using DistillKit.Runtime;

namespace DistillKit.Training;

/// <summary>
/// A run's <c>log.jsonl</c>: one JSON object per line, appended as the run goes. Each line goes to the file in one
/// unbuffered write, so no data waits in a buffer to fail later (at close, hiding the first error); a write that fails
/// (disk full, file-size limit, read-only file, a folder in the way) throws an <see cref="OutputWriteException"/> naming
/// the file. A last line cut short by such a failure or by a kill is removed, with a warning, when a resumed run opens
/// the log again.
/// </summary>
public sealed class JsonLinesLog : IDisposable
{
    readonly FileStream _file;

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Opens <paramref name="path"/>: appended to when <paramref name="append"/>, else started empty.</summary>
    public JsonLinesLog(string path, bool append, TextWriter? warnings = null)
    {
        Path = path;
        try
        {
            _file = new FileStream(path, append ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
            if (append)
            {
                long whole = WholeLinesLength();
                if (whole < _file.Length)
                {
                    warnings?.WriteLine($"warning: {path}: removed an incomplete last line ({_file.Length - whole} bytes) left by an interrupted write");
                    _file.SetLength(whole);
                }
                _file.Position = whole;
            }
        }
        catch (Exception e) when (WriteFailures.IsWriteFailure(e))
        {
            _file?.Dispose();
            throw new OutputWriteException($"{path}: opening the training log failed: {WriteFailures.Cause(e, path)}.", e);
        }
    }

    /// <summary>Appends one line (<paramref name="json"/> must hold no line break).</summary>
    public void Write(string json)
    {
        try
        {
            _file.Write(Encoding.UTF8.GetBytes(json + "\n"));
        }
        catch (Exception e) when (WriteFailures.IsWriteFailure(e))
        {
            throw new OutputWriteException($"{Path}: writing the training log failed: {WriteFailures.Cause(e, Path)}.", e);
        }
    }

    /// <summary>The length of the file up to and including its last line break.</summary>
    long WholeLinesLength()
    {
        var buffer = new byte[4096];
        for (long end = _file.Length; end > 0;)
        {
            int n = (int)Math.Min(buffer.Length, end);
            end -= n;
            _file.Position = end;
            _file.ReadExactly(buffer, 0, n);
            int newline = Array.LastIndexOf(buffer, (byte)'\n', n - 1, n);
            if (newline >= 0) return end + newline + 1;
        }
        return 0;
    }

    public void Dispose() => _file.Dispose();
}

using System.Diagnostics;
using System.Globalization;

namespace DistillKit.Data.Video;

/// <summary>
/// The <c>ffmpeg</c> and <c>ffprobe</c> programs (Debian package <c>ffmpeg</c>, installed by environment/setup.sh): found
/// on PATH or named by <c>DISTILLKIT_FFMPEG</c> (the folder holding both). Every failure is a .NET exception that names
/// the video and quotes ffmpeg's own message.
/// </summary>
public static class Ffmpeg
{
    /// <summary>Full path of <paramref name="tool"/> (<c>ffmpeg</c> or <c>ffprobe</c>); an error naming the package when absent.</summary>
    public static string Locate(string tool)
    {
        var dirs = new List<string>();
        if (Environment.GetEnvironmentVariable("DISTILLKIT_FFMPEG") is { Length: > 0 } dir) dirs.Add(dir);
        dirs.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':', StringSplitOptions.RemoveEmptyEntries));
        foreach (var d in dirs)
        {
            var path = Path.Combine(d, tool);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(
            $"{tool} not found on PATH: install the Debian package ffmpeg (bash environment/setup.sh does) or set DISTILLKIT_FFMPEG to the folder holding {tool}");
    }

    /// <summary>Whether both programs are present.</summary>
    public static bool Available()
    {
        try
        {
            Locate("ffmpeg");
            Locate("ffprobe");
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>What ffprobe reports of the first video stream: width, height, frame count (null when the container
    /// does not say) and frame rate.</summary>
    public sealed record VideoInfo(int Width, int Height, int? Frames, double FramesPerSecond);

    /// <summary>Probes <paramref name="video"/>; <see cref="InvalidDataException"/> naming it when ffprobe finds no video stream.</summary>
    public static VideoInfo Probe(string video)
    {
        if (!File.Exists(video)) throw new FileNotFoundException($"{video}: no such video file", video);
        var (rc, stdout, stderr) = RunCapture(Locate("ffprobe"),
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,nb_frames,r_frame_rate", "-of", "csv=p=0", video]);
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (rc != 0 || line is null)
            throw new InvalidDataException($"{video}: not a readable video (ffprobe: {Tail(stderr, "no video stream")})");
        var f = line.Split(',');
        if (f.Length < 4 || !int.TryParse(f[0], out var w) || !int.TryParse(f[1], out var h))
            throw new InvalidDataException($"{video}: ffprobe reported no frame size for its video stream ('{line}')");
        int? frames = int.TryParse(f[3], out var n) && n > 0 ? n : null;
        double fps = 0;
        var rate = f[2].Split('/');
        if (rate.Length == 2 && double.TryParse(rate[0], CultureInfo.InvariantCulture, out var num)
            && double.TryParse(rate[1], CultureInfo.InvariantCulture, out var den) && den > 0) fps = num / den;
        return new VideoInfo(w, h, frames, fps);
    }

    /// <summary>
    /// Runs ffmpeg with <paramref name="args"/> (after <c>-v error -nostdin -progress pipe:1</c>), calling
    /// <paramref name="onFrame"/> with the number of frames written so far as ffmpeg reports them. Throws
    /// <see cref="InvalidDataException"/> naming <paramref name="video"/> with ffmpeg's last message when it fails.
    /// </summary>
    public static void Run(string video, IReadOnlyList<string> args, Action<int>? onFrame = null)
    {
        var psi = new ProcessStartInfo(Locate("ffmpeg"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-v", "error", "-nostdin", "-progress", "pipe:1" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");
        var stderr = p.StandardError.ReadToEndAsync();
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null)
            if (line.StartsWith("frame=", StringComparison.Ordinal) && int.TryParse(line.AsSpan(6), out var frame)) onFrame?.Invoke(frame);
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidDataException($"{video}: ffmpeg could not decode it (exit code {p.ExitCode}: {Tail(stderr.Result, "no message")})");
    }

    static (int Rc, string Stdout, string Stderr) RunCapture(string exe, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {exe}");
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    static string Tail(string text, string fallback)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? fallback : string.Join(" / ", lines.TakeLast(2));
    }
}

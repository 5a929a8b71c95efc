using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Video;

/// <summary>
/// One clip as an ordered list of frame files (PNG, JPEG or PPM), all of one size. Frame k and frame k + 1 are
/// consecutive in time.
/// </summary>
/// <param name="Name">Short name, e.g. the video's file name without extension (<c>tree</c>).</param>
/// <param name="Source">The video file or frame folder it came from.</param>
/// <param name="Frames">Frame files in time order.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
public sealed record FrameSequence(string Name, string Source, IReadOnlyList<string> Frames, int Width, int Height)
{
    public override string ToString() => $"{Name}: {Frames.Count} frames of {Width}×{Height} from {Source}";
}

/// <summary>
/// Real footage as frame sequences: a video file is decoded by ffmpeg (<see cref="Ffmpeg"/>), once, into a cache
/// folder (<see cref="CacheRoot"/>); a folder of frames is used as it is, or resized into the cache when its height
/// is not the one asked for; a folder of videos (or of frame folders) gives one sequence each. Frames are scaled to
/// <c>height</c> pixels (0 keeps the source size; width follows the aspect ratio, rounded to an even number). A
/// decode writes into a temporary folder that is renamed only when complete, so an interrupted decode leaves nothing
/// half-written; the next call decodes again. Progress goes to <c>log</c> (standard error by default).
/// </summary>
public static class VideoFrames
{
    /// <summary>File extensions read as videos.</summary>
    public static readonly string[] VideoExtensions = [".avi", ".mp4", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".m4v", ".ogv", ".wmv", ".flv"];

    /// <summary>File extensions read as frames.</summary>
    public static readonly string[] FrameExtensions = [".png", ".jpg", ".jpeg", ".ppm"];

    const string Marker = "frames.json";

    /// <summary>Where decoded frames are kept: <c>DISTILLKIT_CACHE</c>/frames, else <c>XDG_CACHE_HOME</c>/distillkit/frames,
    /// else ~/.cache/distillkit/frames. Safe to delete at any time.</summary>
    public static string CacheRoot
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DISTILLKIT_CACHE") is { Length: > 0 } kit) return Path.Combine(kit, "frames");
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(xdg)) xdg = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(xdg, "distillkit", "frames");
        }
    }

    /// <summary>
    /// The sequences of <paramref name="path"/> (decoded or resized frames go under <paramref name="cacheRoot"/>, default
    /// <see cref="CacheRoot"/>): a video file, a folder of frames, or a folder whose entries are videos
    /// and frame folders (one level deep, in name order). Throws <see cref="FileNotFoundException"/> /
    /// <see cref="DirectoryNotFoundException"/> for a missing path and <see cref="InvalidDataException"/> naming the folder
    /// when it holds neither frames nor videos, or a sequence with fewer than two frames.
    /// </summary>
    public static IReadOnlyList<FrameSequence> Open(string path, int height = 240, TextWriter? log = null, string? cacheRoot = null)
    {
        if (height < 0) throw new ArgumentException($"frame height {height}: expected a positive height, or 0 for the source size");
        if (File.Exists(path))
        {
            if (!IsVideo(path)) throw new InvalidDataException($"{path}: not a video file (expected one of {string.Join(", ", VideoExtensions)}) or a folder of frames");
            return [Decode(path, height, log, cacheRoot)];
        }
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: no such video file or frame folder");
        if (FramesIn(path).Count > 0) return [FromFolder(path, height, log, cacheRoot)];
        var result = new List<FrameSequence>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(path).Order(StringComparer.Ordinal))
        {
            if (File.Exists(entry) && IsVideo(entry)) result.Add(Decode(entry, height, log, cacheRoot));
            else if (Directory.Exists(entry) && FramesIn(entry).Count > 0) result.Add(FromFolder(entry, height, log, cacheRoot));
        }
        if (result.Count == 0)
            throw new InvalidDataException($"{path}: no frames ({string.Join(", ", FrameExtensions)}) and no videos ({string.Join(", ", VideoExtensions)}) in this folder or its sub-folders");
        return result;
    }

    /// <summary>Decodes every frame of <paramref name="video"/> at <paramref name="height"/> into the cache (reused when
    /// the video's path, size, time stamp and the height are unchanged).</summary>
    public static FrameSequence Decode(string video, int height = 240, TextWriter? log = null, string? cacheRoot = null)
    {
        log ??= Console.Error;
        var full = Path.GetFullPath(video);
        var info = new FileInfo(full);
        if (!info.Exists) throw new FileNotFoundException($"{video}: no such video file", video);
        var name = Path.GetFileNameWithoutExtension(full);
        var key = Hash($"{full}|{info.Length}|{info.LastWriteTimeUtc.Ticks}|{height}|passthrough");
        var dir = Path.Combine(cacheRoot ?? CacheRoot, $"{name}-{key}");
        if (ReadMarker(dir, full) is { } cached) return cached;

        var probe = Ffmpeg.Probe(full);
        var total = probe.Frames?.ToString() ?? "?";
        log.WriteLine($"decoding {Path.GetFileName(full)} ({probe.Width}×{probe.Height}, {total} frames) at height {(height == 0 ? probe.Height : height)} → {dir}");
        // every decoded frame once, in order: no frames duplicated or dropped to fit a frame rate (a duplicate is a zero-motion pair)
        var args = new List<string> { "-i", full, "-an", "-vsync", "passthrough", "-start_number", "0" };
        if (height > 0) args.AddRange(["-vf", $"scale=-2:{height}:flags=area"]);
        var last = DateTime.UtcNow;
        var result = FillCache(dir, full, temp =>
        {
            Ffmpeg.Run(full, [.. args, Path.Combine(temp, "frame_%06d.png")], frame =>
            {
                if ((DateTime.UtcNow - last).TotalSeconds < 2) return;
                last = DateTime.UtcNow;
                log.WriteLine($"  {Path.GetFileName(full)}: {frame}/{total} frames");
            });
            var frames = FramesIn(temp);
            if (frames.Count < 2)
                throw new InvalidDataException($"{video}: ffmpeg decoded {frames.Count} frame(s); a training pair needs at least two");
            var (w, h) = SizeOf(frames[0]);
            return (frames.Count, w, h);
        });
        log.WriteLine($"  {Path.GetFileName(full)}: {result.Frames.Count} frames of {result.Width}×{result.Height}");
        return result;
    }

    /// <summary>A folder of frames (name order): as it is when its frames are <paramref name="height"/> pixels high (or
    /// height is 0), else resized once into the cache. All frames must have one size (an error names the first that
    /// differs).</summary>
    public static FrameSequence FromFolder(string folder, int height = 240, TextWriter? log = null, string? cacheRoot = null)
    {
        var frames = FramesIn(folder);
        if (frames.Count < 2)
            throw new InvalidDataException($"{folder}: {frames.Count} frame(s) ({string.Join(", ", FrameExtensions)}); a training pair needs at least two");
        var (w, h) = SizeOf(frames[0]);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        if (height == 0 || height == h)
        {
            foreach (var f in frames)
            {
                var (fw, fh) = SizeOf(f);
                if (fw != w || fh != h) throw new InvalidDataException($"{f}: {fw}×{fh}, but {frames[0]} is {w}×{h}; the frames of one folder must have one size");
            }
            return new FrameSequence(name, folder, frames, w, h);
        }
        log ??= Console.Error;
        var full = Path.GetFullPath(folder);
        var key = Hash($"{full}|{frames.Count}|{string.Join("|", frames.Select(f => new FileInfo(f).LastWriteTimeUtc.Ticks))}|{height}");
        var dir = Path.Combine(cacheRoot ?? CacheRoot, $"{name}-{key}");
        if (ReadMarker(dir, full) is { } cached) return cached;
        int newW = Math.Max(2, (int)Math.Round(w * (double)height / h / 2) * 2);
        log.WriteLine($"resizing {frames.Count} frames of {folder} from {w}×{h} to {newW}×{height} → {dir}");
        return FillCache(dir, full, temp =>
        {
            var last = DateTime.UtcNow;
            for (int k = 0; k < frames.Count; k++)
            {
                using var scope = torch.NewDisposeScope();
                var image = ImageIO.ReadTensor(frames[k]);
                if (image.size(1) != h || image.size(2) != w)
                    throw new InvalidDataException($"{frames[k]}: {image.size(2)}×{image.size(1)}, but {frames[0]} is {w}×{h}; the frames of one folder must have one size");
                var resized = nn.functional.interpolate(image.unsqueeze(0), [height, newW], mode: InterpolationMode.Area)[0].clamp(0, 1);
                ImageIO.WriteTensor(Path.Combine(temp, $"frame_{k:D6}.png"), resized);
                if ((DateTime.UtcNow - last).TotalSeconds >= 2)
                {
                    last = DateTime.UtcNow;
                    log.WriteLine($"  {name}: {k + 1}/{frames.Count} frames");
                }
            }
            return (frames.Count, newW, height);
        });
    }

    /// <summary>
    /// Writes a cache entry whole or not at all: <paramref name="fill"/> writes the frames into a fresh
    /// <c>DIR.partial-PID</c> folder and returns their count and size; the marker goes in last and the folder is renamed
    /// to <paramref name="dir"/>. A failure removes the partial folder and rethrows.
    /// </summary>
    static FrameSequence FillCache(string dir, string source, Func<string, (int Frames, int Width, int Height)> fill)
    {
        var temp = $"{dir}.partial-{Environment.ProcessId}";
        if (Directory.Exists(temp)) Directory.Delete(temp, true);
        Directory.CreateDirectory(temp);
        try
        {
            var (frames, w, h) = fill(temp);
            WriteMarker(temp, source, frames, w, h);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Directory.Move(temp, dir);
        }
        catch
        {
            try { Directory.Delete(temp, true); } catch (IOException) { }
            throw;
        }
        return ReadMarker(dir, source) ?? throw new IOException($"{dir}: the cached frames vanished after writing");
    }

    /// <summary>The frame files directly in <paramref name="folder"/>, in ordinal name order.</summary>
    public static IReadOnlyList<string> FramesIn(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => FrameExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();

    static bool IsVideo(string path) => VideoExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    static (int W, int H) SizeOf(string frame)
    {
        var image = ImageIO.Read(frame);
        return (image.Width, image.Height);
    }

    static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12].ToLowerInvariant();

    sealed record MarkerFile(string Source, int Frames, int Width, int Height);

    static void WriteMarker(string dir, string source, int frames, int width, int height) =>
        File.WriteAllText(Path.Combine(dir, Marker), JsonSerializer.Serialize(new MarkerFile(source, frames, width, height)));

    /// <summary>The cached sequence in <paramref name="dir"/> when its marker is present and matches its frames; else null.</summary>
    static FrameSequence? ReadMarker(string dir, string source)
    {
        var file = Path.Combine(dir, Marker);
        if (!File.Exists(file)) return null;
        try
        {
            var m = JsonSerializer.Deserialize<MarkerFile>(File.ReadAllText(file));
            var frames = FramesIn(dir);
            if (m is null || frames.Count != m.Frames) return null;
            var name = Path.GetFileName(dir);
            name = name[..name.LastIndexOf('-')];
            return new FrameSequence(name, source, frames, m.Width, m.Height);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

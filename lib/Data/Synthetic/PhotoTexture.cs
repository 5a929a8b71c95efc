using System.Collections.Concurrent;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Synthetic;

/// <summary>
/// A photograph as a <see cref="SceneTexture"/>: layer point q maps to photo point u = c + s·R(θ)(q − q0) (s photo
/// pixels per layer pixel, rotation θ, photo centre c), where the photo is read bilinearly between its pixel centres
/// and mirrored at its borders, so the colour is a continuous function of q everywhere and frame 2 stays exact.
/// </summary>
public sealed class PhotoTexture : SceneTexture
{
    readonly Photo _photo;
    readonly double _x0, _y0, _a11, _a12, _a21, _a22, _cx, _cy;

    public PhotoTexture(Photo photo, double x0, double y0, double scale, double angleRad, double photoX, double photoY)
    {
        _photo = photo;
        _x0 = x0;
        _y0 = y0;
        double c = Math.Cos(angleRad) * scale, s = Math.Sin(angleRad) * scale;
        (_a11, _a12, _a21, _a22) = (c, -s, s, c);
        _cx = photoX;
        _cy = photoY;
    }

    /// <summary>
    /// A random photo of <paramref name="library"/> placed about the layer centre (x0, y0): scale log-uniform in
    /// [<paramref name="minScale"/>, <paramref name="maxScale"/>] photo pixels per image pixel, any rotation, centred
    /// at a uniform point of the photo.
    /// </summary>
    public static PhotoTexture Random(SampleRandom rng, PhotoLibrary library, double x0, double y0, double minScale = 0.7, double maxScale = 1.6)
    {
        var photo = library[rng.NextInt(0, library.Count)];
        double scale = rng.LogUniform(minScale, maxScale), angle = rng.Uniform(-Math.PI, Math.PI);
        return new PhotoTexture(photo, x0, y0, scale, angle, rng.Uniform(0, photo.Width - 1), rng.Uniform(0, photo.Height - 1));
    }

    protected override void Eval(double x, double y, out double r, out double g, out double b)
    {
        double dx = x - _x0, dy = y - _y0;
        _photo.Bilinear(_cx + _a11 * dx + _a12 * dy, _cy + _a21 * dx + _a22 * dy, out r, out g, out b);
    }
}

/// <summary>An 8-bit RGB photograph in managed memory (interleaved), read bilinearly with mirrored borders.</summary>
public sealed class Photo(string name, int width, int height, byte[] rgb)
{
    public string Name { get; } = name;
    public int Width { get; } = width;
    public int Height { get; } = height;

    /// <summary>RGB in [0, 1] at photo point (x, y) (pixel centres at integers), mirrored outside [0, W−1]×[0, H−1].</summary>
    public void Bilinear(double x, double y, out double r, out double g, out double b)
    {
        x = Mirror(x, Width - 1);
        y = Mirror(y, Height - 1);
        int x0 = Math.Min((int)x, Width - 2), y0 = Math.Min((int)y, Height - 2);
        double fx = x - x0, fy = y - y0;
        int i00 = 3 * (y0 * Width + x0), i01 = i00 + 3, i10 = i00 + 3 * Width, i11 = i10 + 3;
        double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        const double k = 1.0 / 255;
        r = k * (w00 * rgb[i00] + w01 * rgb[i01] + w10 * rgb[i10] + w11 * rgb[i11]);
        g = k * (w00 * rgb[i00 + 1] + w01 * rgb[i01 + 1] + w10 * rgb[i10 + 1] + w11 * rgb[i11 + 1]);
        b = k * (w00 * rgb[i00 + 2] + w01 * rgb[i01 + 2] + w10 * rgb[i10 + 2] + w11 * rgb[i11 + 2]);
    }

    /// <summary>Reflects t into [0, max] (period 2·max): continuous, so a mirrored photo has no seams.</summary>
    static double Mirror(double t, double max)
    {
        double period = 2 * max;
        t -= period * Math.Floor(t / period);
        return t > max ? period - t : t;
    }
}

/// <summary>
/// The photographs of a folder for <see cref="PhotoTexture"/>: every PNG, JPEG and PPM directly in it (name order),
/// downscaled (area) so that the longer side is at most <c>maxSide</c> pixels; gray files become RGB; files smaller
/// than 32 pixels on a side are left out. A file that cannot be decoded is left out with a warning on
/// <c>log</c>; a folder with no usable photo is an error naming it. Loaded libraries are shared per (folder, maxSide).
/// </summary>
public sealed class PhotoLibrary
{
    static readonly ConcurrentDictionary<(string, int), PhotoLibrary> Loaded = new();
    readonly Photo[] _photos;

    PhotoLibrary(string folder, Photo[] photos)
    {
        Folder = folder;
        _photos = photos;
    }

    public string Folder { get; }
    public int Count => _photos.Length;
    public Photo this[int index] => _photos[index];
    public IReadOnlyList<Photo> Photos => _photos;

    public static PhotoLibrary Load(string folder, int maxSide = 512, TextWriter? log = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such folder of photographs (for real-texture synthetic pairs)");
        if (maxSide < 32) throw new ArgumentException($"PhotoLibrary maxSide {maxSide}: expected at least 32");
        var full = Path.GetFullPath(folder);
        return Loaded.GetOrAdd((full, maxSide), _ => Read(full, maxSide, log ?? Console.Error));
    }

    static PhotoLibrary Read(string folder, int maxSide, TextWriter log)
    {
        var files = Directory.EnumerateFiles(folder)
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".ppm")
            .Order(StringComparer.Ordinal).ToList();
        var photos = new List<Photo>();
        foreach (var file in files)
        {
            using var scope = torch.NewDisposeScope();
            Tensor image;
            try
            {
                image = ImageIO.ReadTensor(file);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
            {
                log.WriteLine($"photos: leaving out {file} ({e.Message})");
                continue;
            }
            long h = image.size(1), w = image.size(2);
            if (Math.Min(h, w) < 32) continue;
            double f = Math.Min(1.0, (double)maxSide / Math.Max(h, w));
            if (f < 1)
            {
                h = Math.Max(2, (long)Math.Round(h * f));
                w = Math.Max(2, (long)Math.Round(w * f));
                image = nn.functional.interpolate(image.unsqueeze(0), [h, w], mode: InterpolationMode.Area)[0];
            }
            var bytes = (image.clamp(0, 1) * 255).round().to(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();
            photos.Add(new Photo(Path.GetFileName(file), (int)w, (int)h, bytes));
        }
        if (photos.Count == 0)
            throw new InvalidDataException($"{folder}: no usable photographs (PNG, JPEG or PPM, at least 32×32) for real-texture synthetic pairs");
        return new PhotoLibrary(folder, photos.ToArray());
    }
}

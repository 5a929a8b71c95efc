using DistillKit.Data.Synthetic;
using DistillKit.Geometry;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>A textured region in image pixels: background clutter or an occluder.</summary>
public sealed record TexturedShape(SceneShape Shape, ProceduralTexture Texture);

/// <summary>
/// One rendered image of a semantic scene, planar row-major float32: Image [3,H,W] RGB in [0,1]; Mask [1,H,W] (1 =
/// the object is visible at the pixel); PartIds [H,W] (the object part shown, <see cref="SemanticScene.Background"/>
/// for background or clutter, <see cref="SemanticScene.Occluder"/> for the occluder); Keypoints, one (x, y) in pixels
/// per category keypoint, with Visible telling which are annotated (<see cref="SemanticScene.KeypointVisible"/>); Box
/// the pixel-centre coordinates of the extreme object pixels in the image, occluded ones included (null when none).
/// </summary>
public sealed record SemanticImageArrays(int Height, int Width, float[] Image, float[] Mask, int[] PartIds,
    (double X, double Y)[] Keypoints, bool[] Visible, AxisBox? Box);

/// <summary>
/// An analytic image of one object instance: a textured background with clutter shapes, the object (parts in depth
/// order, in its object frame, placed by the similarity-with-mirror <see cref="Pose"/>), and optionally an occluder in
/// front. Pixel centres at integer coordinates, x right, y down; rendered point-sampled at pixel centres (no
/// anti-aliasing), so every query below agrees exactly with the rendered arrays.
/// </summary>
public sealed class SemanticScene
{
    /// <summary>Part id of background and clutter pixels.</summary>
    public const int Background = -1;

    /// <summary>Part id of occluder pixels.</summary>
    public const int Occluder = -2;

    readonly Affine2 _inverse;

    public SemanticScene(int height, int width, ObjectModel model, Affine2 pose, double textureScale, bool mirrored,
        ObjectAppearance appearance, ProceduralTexture background, IReadOnlyList<TexturedShape> clutter, TexturedShape? occluder)
    {
        Height = height;
        Width = width;
        Model = model;
        Pose = pose;
        _inverse = pose.Inverse();
        TextureScale = textureScale;
        Mirrored = mirrored;
        Appearance = appearance;
        BackgroundTexture = background;
        Clutter = clutter;
        OccluderShape = occluder;
    }

    public int Height { get; }
    public int Width { get; }
    public ObjectModel Model { get; }

    /// <summary>Object frame → image pixels.</summary>
    public Affine2 Pose { get; }

    /// <summary>Texture coordinates of an object point are its object-frame coordinates times this (pixels per unit).</summary>
    public double TextureScale { get; }

    /// <summary>Whether the object faces left (the pose includes a mirror).</summary>
    public bool Mirrored { get; }

    public ObjectAppearance Appearance { get; }
    public ProceduralTexture BackgroundTexture { get; }

    /// <summary>Background shapes, bottom to top, all behind the object.</summary>
    public IReadOnlyList<TexturedShape> Clutter { get; }

    /// <summary>The shape in front of the object, if any.</summary>
    public TexturedShape? OccluderShape { get; }

    /// <summary>The object part at image point (x, y) ignoring the occluder, or <see cref="Background"/>.</summary>
    public int ObjectPartAt(double x, double y)
    {
        var (qx, qy) = _inverse.Apply(x, y);
        int part = Model.TopPart(qx, qy);
        return part >= 0 ? part : Background;
    }

    /// <summary>What image point (x, y) shows: the occluder, an object part, or the background.</summary>
    public int PartAt(double x, double y) =>
        OccluderShape is not null && OccluderShape.Shape.Contains(x, y) ? Occluder : ObjectPartAt(x, y);

    /// <summary>The colour at image point (x, y).</summary>
    public (float R, float G, float B) Colour(double x, double y)
    {
        var (qx, qy) = _inverse.Apply(x, y);
        bool occluded = OccluderShape is not null && OccluderShape.Shape.Contains(x, y);
        return Shade(x, y, qx, qy, occluded ? Occluder : Model.TopPart(qx, qy));
    }

    /// <summary>The colour at image point (x, y) (object point (qx, qy)) showing <paramref name="part"/>.</summary>
    (float R, float G, float B) Shade(double x, double y, double qx, double qy, int part)
    {
        if (part == Occluder) return OccluderShape!.Texture.Colour(x, y);
        if (part >= 0) return Appearance.Colour(Model.Parts[part].Material, qx * TextureScale, qy * TextureScale);
        for (int k = Clutter.Count - 1; k >= 0; k--)
            if (Clutter[k].Shape.Contains(x, y)) return Clutter[k].Texture.Colour(x, y);
        return BackgroundTexture.Colour(x, y);
    }

    /// <summary>Image position (pixels) of keypoint <paramref name="k"/> (in the category's name order).</summary>
    public (double X, double Y) KeypointPosition(int k)
    {
        var p = Model.Keypoints[k];
        return Pose.Apply(p.X, p.Y);
    }

    /// <summary>
    /// Whether keypoint <paramref name="k"/> is visible, and so annotated: its position lies in [0, W−1]×[0, H−1], its
    /// own part is the front-most part there (no other part hides it), the occluder does not cover it, and the nearest
    /// pixel centre shows its own part too (so the annotation agrees with the rendered pixels).
    /// </summary>
    public bool KeypointVisible(int k)
    {
        var (x, y) = KeypointPosition(k);
        if (!(x >= 0 && x <= Width - 1 && y >= 0 && y <= Height - 1)) return false;
        int owner = Model.Keypoints[k].Part;
        return PartAt(x, y) == owner && PartAt(Math.Round(x), Math.Round(y)) == owner;
    }

    /// <summary>Renders the image, the object mask, the part ids, the keypoints and the object box at the pixel centres.</summary>
    public SemanticImageArrays Render()
    {
        int h = Height, w = Width, hw = h * w;
        var image = new float[3 * hw];
        var mask = new float[hw];
        var ids = new int[hw];
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                var (qx, qy) = _inverse.Apply(x, y);
                int part = Model.TopPart(qx, qy);
                if (part >= 0)
                {
                    x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                    y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                }
                bool occluded = OccluderShape is not null && OccluderShape.Shape.Contains(x, y);
                ids[i] = occluded ? Occluder : part >= 0 ? part : Background;
                mask[i] = !occluded && part >= 0 ? 1f : 0f;
                var (r, g, b) = Shade(x, y, qx, qy, ids[i]);
                image[i] = r;
                image[hw + i] = g;
                image[2 * hw + i] = b;
            }
        int n = Model.Keypoints.Count;
        var keypoints = new (double X, double Y)[n];
        var visible = new bool[n];
        for (int k = 0; k < n; k++)
        {
            keypoints[k] = KeypointPosition(k);
            visible[k] = KeypointVisible(k);
        }
        AxisBox? box = x1 >= 0 ? new AxisBox(x0, y0, x1, y1) : null;
        return new SemanticImageArrays(h, w, image, mask, ids, keypoints, visible, box);
    }
}

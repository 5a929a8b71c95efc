using DistillKit.Geometry;

namespace DistillKit.Data.Synthetic;

/// <summary>One depth layer: a region (null = the background, covering the plane), its texture and its motion.</summary>
/// <param name="Shape">Region in layer coordinates (frame-1 pixels); null for the background.</param>
/// <param name="Texture">Colour at every layer point.</param>
/// <param name="Motion">Frame-1 position → frame-2 position of the layer's points (pixels).</param>
public sealed record SceneLayer(SceneShape? Shape, SceneTexture Texture, Affine2 Motion)
{
    /// <summary>Frame-2 position → frame-1 position.</summary>
    public Affine2 InverseMotion { get; } = Motion.Inverse();
}

/// <summary>
/// An analytic two-frame scene: layers bottom (0, background) to top, each with a shape, a texture in frame-1
/// coordinates and an affine motion M_l from frame 1 to frame 2. Frame 1 shows at p the top-most layer l whose shape
/// contains p, with colour T_l(p); frame 2 shows at p' the top-most l whose shape contains M_l⁻¹(p'), with colour
/// T_l(M_l⁻¹(p')). Forward flow w_f(p) = M_l(p) − p for the top layer l at p in frame 1; backward flow
/// w_b(p') = M_l⁻¹(p') − p' for the top layer at p' in frame 2. Occlusion (1 = occluded): p is occluded forward when
/// p + w_f(p) lies outside [0, W−1]×[0, H−1] or a layer above l covers it in frame 2; symmetric backward.
/// Pixel centres at integer coordinates, x right, y down. Every query is exact (no resampling).
/// </summary>
public sealed class SyntheticScene
{
    readonly SceneLayer[] _layers;
    readonly SceneShape?[] _shapes;
    readonly SceneTexture[] _textures;
    readonly Affine2[] _motion, _inverse;

    public SyntheticScene(int height, int width, IReadOnlyList<SceneLayer> layers)
    {
        if (layers.Count == 0 || layers[0].Shape is not null) throw new ArgumentException("layer 0 must be the background (Shape = null)");
        if (layers.Skip(1).Any(l => l.Shape is null)) throw new ArgumentException("only layer 0 may have no shape");
        Height = height;
        Width = width;
        _layers = layers.ToArray();
        _shapes = _layers.Select(l => l.Shape).ToArray();
        _textures = _layers.Select(l => l.Texture).ToArray();
        _motion = _layers.Select(l => l.Motion).ToArray();
        _inverse = _layers.Select(l => l.InverseMotion).ToArray();
    }

    public int Height { get; }
    public int Width { get; }

    /// <summary>Layers bottom (background) to top.</summary>
    public IReadOnlyList<SceneLayer> Layers => _layers;

    /// <summary>Index of the top-most layer covering (x, y) in frame 1.</summary>
    public int TopLayer1(double x, double y) => TopAbove1(0, x, y);

    /// <summary>Index of the top-most layer covering (x, y) in frame 2.</summary>
    public int TopLayer2(double x, double y) => TopAbove2(0, x, y);

    /// <summary>Whether a layer above <paramref name="layer"/> covers (x, y) in frame 1.</summary>
    public bool CoveredAbove1(int layer, double x, double y) => TopAbove1(layer, x, y) > layer;

    /// <summary>Whether a layer above <paramref name="layer"/> covers (x, y) in frame 2.</summary>
    public bool CoveredAbove2(int layer, double x, double y) => TopAbove2(layer, x, y) > layer;

    /// <summary>The top-most layer above <paramref name="floor"/> covering (x, y) in frame 1, else floor.</summary>
    int TopAbove1(int floor, double x, double y)
    {
        for (int l = _shapes.Length - 1; l > floor; l--)
            if (_shapes[l]!.Contains(x, y)) return l;
        return floor;
    }

    /// <summary>The top-most layer above <paramref name="floor"/> covering (x, y) in frame 2, else floor.</summary>
    int TopAbove2(int floor, double x, double y)
    {
        for (int l = _shapes.Length - 1; l > floor; l--)
        {
            ref readonly var m = ref _inverse[l];
            if (_shapes[l]!.Contains(m.A11 * x + m.A12 * y + m.B1, m.A21 * x + m.A22 * y + m.B2)) return l;
        }
        return floor;
    }

    /// <summary>Frame-1 colour at (x, y).</summary>
    public (float R, float G, float B) Colour1(double x, double y) => _textures[TopLayer1(x, y)].Colour(x, y);

    /// <summary>Frame-2 colour at (x, y): the top layer's texture at the inverse-mapped point.</summary>
    public (float R, float G, float B) Colour2(double x, double y)
    {
        int l = TopLayer2(x, y);
        var (qx, qy) = _inverse[l].Apply(x, y);
        return _textures[l].Colour(qx, qy);
    }

    /// <summary>Forward flow (u, v) at frame-1 point (x, y).</summary>
    public (double U, double V) FlowFw(double x, double y)
    {
        var (x2, y2) = _motion[TopLayer1(x, y)].Apply(x, y);
        return (x2 - x, y2 - y);
    }

    /// <summary>Backward flow (u, v) at frame-2 point (x, y).</summary>
    public (double U, double V) FlowBw(double x, double y)
    {
        var (x1, y1) = _inverse[TopLayer2(x, y)].Apply(x, y);
        return (x1 - x, y1 - y);
    }

    /// <summary>Whether frame-1 point (x, y) is occluded (or leaves the image) in frame 2.</summary>
    public bool OccludedFw(double x, double y)
    {
        int l = TopLayer1(x, y);
        var (x2, y2) = _motion[l].Apply(x, y);
        return !InImage(x2, y2) || CoveredAbove2(l, x2, y2);
    }

    /// <summary>Whether frame-2 point (x, y) is occluded (or outside the image) in frame 1.</summary>
    public bool OccludedBw(double x, double y)
    {
        int l = TopLayer2(x, y);
        var (x1, y1) = _inverse[l].Apply(x, y);
        return !InImage(x1, y1) || CoveredAbove1(l, x1, y1);
    }

    /// <summary>Whether (x, y) lies in [0, W−1]×[0, H−1].</summary>
    public bool InImage(double x, double y) => x >= 0 && x <= Width - 1 && y >= 0 && y <= Height - 1;

    /// <summary>
    /// Renders both frames, both flows, both occlusion masks and the valid mask (all ones) at the pixel centres; the
    /// same values the point queries above give, computed in one pass.
    /// </summary>
    public FlowSampleArrays Render()
    {
        int h = Height, w = Width, hw = h * w;
        var img1 = new float[3 * hw];
        var img2 = new float[3 * hw];
        var fw = new float[2 * hw];
        var bw = new float[2 * hw];
        var occFw = new float[hw];
        var occBw = new float[hw];
        var valid = new float[hw];
        Array.Fill(valid, 1f);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                // frame 1: top-most layer l at p; w_f(p) = M_l(p) − p; occluded when M_l(p) leaves the image or a
                // layer above l covers M_l(p) in frame 2
                int l1 = TopAbove1(0, x, y);
                _textures[l1].ColourInto(x, y, img1, i, hw);
                ref readonly var m = ref _motion[l1];
                double x2 = m.A11 * x + m.A12 * y + m.B1, y2 = m.A21 * x + m.A22 * y + m.B2;
                fw[i] = (float)(x2 - x);
                fw[hw + i] = (float)(y2 - y);
                occFw[i] = !InImage(x2, y2) || TopAbove2(l1, x2, y2) > l1 ? 1f : 0f;

                // frame 2: top-most layer l at p'; colour T_l(M_l⁻¹(p')); w_b(p') = M_l⁻¹(p') − p'
                int l2 = TopAbove2(0, x, y);
                ref readonly var n = ref _inverse[l2];
                double x1 = n.A11 * x + n.A12 * y + n.B1, y1 = n.A21 * x + n.A22 * y + n.B2;
                _textures[l2].ColourInto(x1, y1, img2, i, hw);
                bw[i] = (float)(x1 - x);
                bw[hw + i] = (float)(y1 - y);
                occBw[i] = !InImage(x1, y1) || TopAbove1(l2, x1, y1) > l2 ? 1f : 0f;
            }
        }
        return new FlowSampleArrays(h, w, img1, img2, fw, bw, occFw, occBw, valid);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Metrics;

/// <summary>What the PCK threshold length L is measured on (the threshold is α·L pixels).</summary>
public enum PckThreshold
{
    /// <summary>max(H, W) of the image the keypoints lie in (PF-PASCAL α_img; after the protocol's resize when it has one).</summary>
    Image,

    /// <summary>max(h, w) of the bounding box of the valid ground-truth keypoints (PF-WILLOW "bbox-kp").</summary>
    KeypointBox,

    /// <summary>max(h, w) of the annotated object bounding box (SPair-71k α_bbox).</summary>
    ObjectBox,

    /// <summary>Dense flow PCK: max(H, W) of the flow's grid (TSS).</summary>
    Dense,
}

/// <summary>
/// PCK of a set of pairs: <see cref="Values"/>[k] is the mean over the evaluated pairs of each pair's fraction of correct
/// keypoints (or pixels) at <see cref="Alphas"/>[k], a fraction in [0, 1] (×100 for the percentages papers print); NaN
/// when no pair could be evaluated.
/// </summary>
/// <param name="Alphas">The thresholds, as fractions of L.</param>
/// <param name="Values">Mean PCK over pairs, one per alpha.</param>
/// <param name="Pairs">Pairs in the mean (pairs with no keypoint or an empty mask are left out).</param>
/// <param name="Skipped">Pairs left out because their PCK was undefined (NaN).</param>
/// <param name="Threshold">What L was measured on.</param>
public sealed record PckMetrics(IReadOnlyList<double> Alphas, IReadOnlyList<double> Values, int Pairs, int Skipped, PckThreshold Threshold)
{
    /// <summary>The PCK at <paramref name="alpha"/> (one of <see cref="Alphas"/>).</summary>
    public double At(double alpha)
    {
        for (int k = 0; k < Alphas.Count; k++)
            if (Alphas[k] == alpha) return Values[k];
        throw new ArgumentException($"PCK was not computed at α = {alpha} (alphas: {string.Join(", ", Alphas)})", nameof(alpha));
    }

    public override string ToString() =>
        $"PCK ({Threshold}, {Pairs} pairs): " + string.Join(", ", Alphas.Select((a, k) => $"@{a}: {100 * Values[k]:0.0}%"));
}

/// <summary>
/// Percentage of correct keypoints (METHODS.md §6). Keypoints are <c>[N,2]</c> rows (x, y) in pixels of one image (the
/// original image unless a protocol says otherwise), as a float tensor or a <c>float[N,2]</c>; row i of the prediction
/// is matched with row i of the ground truth. A keypoint is correct when ‖p̂ − p‖₂ ≤ α·L. PCK of a pair is the fraction
/// of its keypoints that are correct; a data set's PCK is the mean of the pairs' values (per pair, then over pairs), see
/// <see cref="Mean"/>. Ground-truth keypoints must be valid: a row with a NaN, an infinity or a −1 coordinate is refused
/// with <see cref="ArgumentException"/> (DESIGN.md: invalid keypoints are dropped by the readers, never padded). A
/// non-finite prediction counts as wrong. No gradients are recorded.
/// </summary>
public static class Pck
{
    /// <summary>The thresholds the semantic-correspondence papers report.</summary>
    public static IReadOnlyList<double> StandardAlphas { get; } = [0.05, 0.1, 0.15];

    /// <summary>Per alpha, the fraction of rows of <paramref name="predicted"/> within α·<paramref name="lengthPx"/> of
    /// <paramref name="target"/>; NaN for each alpha when there are no keypoints (N = 0).</summary>
    public static double[] OfPair(float[,] predicted, float[,] target, double lengthPx, IReadOnlyList<double> alphas)
    {
        CheckAlphas(alphas);
        if (!(lengthPx > 0) || !double.IsFinite(lengthPx))
            throw new ArgumentException($"PCK: the threshold length L must be positive and finite, got {lengthPx}", nameof(lengthPx));
        CheckShape(predicted, nameof(predicted));
        CheckGroundTruth(target, nameof(target));
        int n = target.GetLength(0);
        if (predicted.GetLength(0) != n)
            throw new ArgumentException($"PCK: predicted has {predicted.GetLength(0)} keypoints, target {n}; row i of one must match row i of the other");
        var result = new double[alphas.Count];
        if (n == 0) { Array.Fill(result, double.NaN); return result; }
        for (int i = 0; i < n; i++)
        {
            double dx = predicted[i, 0] - target[i, 0], dy = predicted[i, 1] - target[i, 1];
            double d = Math.Sqrt(dx * dx + dy * dy); // NaN for a non-finite prediction: never ≤ a threshold
            for (int k = 0; k < alphas.Count; k++)
                if (d <= alphas[k] * lengthPx) result[k]++;
        }
        for (int k = 0; k < result.Length; k++) result[k] /= n;
        return result;
    }

    /// <summary><see cref="OfPair(float[,], float[,], double, IReadOnlyList{double})"/> on <c>[N,2]</c> tensors.</summary>
    public static double[] OfPair(Tensor predicted, Tensor target, double lengthPx, IReadOnlyList<double> alphas) =>
        OfPair(ToArray(predicted, nameof(predicted)), ToArray(target, nameof(target)), lengthPx, alphas);

    /// <summary>L = max(H, W) of an image of <paramref name="height"/> × <paramref name="width"/> pixels.</summary>
    public static double ImageLength(int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"PCK: image size must be positive, got {width}x{height}");
        return Math.Max(height, width);
    }

    /// <summary>
    /// L = max(x_max − x_min, y_max − y_min) over the rows of <paramref name="keypoints"/>, which must all be valid (a −1
    /// padding row would stretch the box to the image corner: with keypoints in [100, 300] the length 200 becomes 301).
    /// </summary>
    public static double KeypointBoxLength(float[,] keypoints)
    {
        CheckGroundTruth(keypoints, nameof(keypoints));
        int n = keypoints.GetLength(0);
        if (n == 0) throw new ArgumentException("PCK: the keypoint bounding box of an empty keypoint set is undefined", nameof(keypoints));
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        for (int i = 0; i < n; i++)
        {
            x0 = Math.Min(x0, keypoints[i, 0]); x1 = Math.Max(x1, keypoints[i, 0]);
            y0 = Math.Min(y0, keypoints[i, 1]); y1 = Math.Max(y1, keypoints[i, 1]);
        }
        return Math.Max(x1 - x0, y1 - y0);
    }

    /// <summary><see cref="KeypointBoxLength(float[,])"/> of a <c>[N,2]</c> tensor.</summary>
    public static double KeypointBoxLength(Tensor keypoints) => KeypointBoxLength(ToArray(keypoints, nameof(keypoints)));

    /// <summary>L = max(x2 − x1, y2 − y1) of a box with corners (x1, y1), (x2, y2) in pixels (SPair-71k <c>bndbox</c>).</summary>
    public static double ObjectBoxLength(double x1, double y1, double x2, double y2)
    {
        if (!(x2 >= x1) || !(y2 >= y1) || !double.IsFinite(x1 + y1 + x2 + y2))
            throw new ArgumentException($"PCK: a bounding box needs finite corners with x2 ≥ x1 and y2 ≥ y1, got ({x1}, {y1}, {x2}, {y2})");
        return Math.Max(x2 - x1, y2 - y1);
    }

    /// <summary>
    /// α_img: L = max(H, W) of the image (<paramref name="height"/> × <paramref name="width"/>) the keypoints lie in. With
    /// <paramref name="resizeHeight"/>/<paramref name="resizeWidth"/> (PF-PASCAL: 320 × 320) both keypoint sets are first
    /// scaled to the resized image (x·W'/W, y·H'/H) and L = max(H', W'): the error is measured after the resize.
    /// </summary>
    public static double[] ImageThreshold(Tensor predicted, Tensor target, int height, int width, IReadOnlyList<double> alphas,
        int? resizeHeight = null, int? resizeWidth = null)
    {
        double length = ImageLength(height, width);
        var p = ToArray(predicted, nameof(predicted));
        var t = ToArray(target, nameof(target));
        if (resizeHeight is null != resizeWidth is null)
            throw new ArgumentException("PCK: give both resizeHeight and resizeWidth, or neither");
        if (resizeHeight is int rh && resizeWidth is int rw)
        {
            length = ImageLength(rh, rw);
            p = Scale(p, (float)rw / width, (float)rh / height);
            t = Scale(t, (float)rw / width, (float)rh / height);
        }
        return OfPair(p, t, length, alphas);
    }

    /// <summary>bbox-kp: L = <see cref="KeypointBoxLength(Tensor)"/> of <paramref name="reference"/> (the valid ground-truth
    /// keypoints the protocol names: PF-WILLOW's source keypoints per METHODS.md §6).</summary>
    public static double[] KeypointBoxThreshold(Tensor predicted, Tensor target, Tensor reference, IReadOnlyList<double> alphas) =>
        OfPair(predicted, target, KeypointBoxLength(reference), alphas);

    /// <summary>α_bbox: L = <see cref="ObjectBoxLength"/> of the annotated box (x1, y1)–(x2, y2).</summary>
    public static double[] ObjectBoxThreshold(Tensor predicted, Tensor target, double x1, double y1, double x2, double y2,
        IReadOnlyList<double> alphas) => OfPair(predicted, target, ObjectBoxLength(x1, y1, x2, y2), alphas);

    /// <summary>
    /// Dense PCK of one flow (TSS): among the pixels p with <paramref name="mask"/>(p) &gt; 0.5 (foreground) and, when
    /// given, <paramref name="valid"/>(p) &gt; 0.5 (ground truth known), the fraction whose transferred position p + w(p)
    /// lies within α·L of p + w_gt(p), i.e. ‖w(p) − w_gt(p)‖₂ ≤ α·L. Flows <c>[2,H,W]</c> (u, v) in pixels, forward from
    /// the image whose grid they are on; masks <c>[1,H,W]</c>. L = <paramref name="lengthPx"/>, default max(H, W) of that
    /// grid. NaN when no pixel counts. TSS evaluates both directions (flow1 with mask1, flow2 with mask2) at α = 0.05:
    /// pass each to <see cref="Mean"/>.
    /// </summary>
    public static double[] Dense(Tensor flow, Tensor flowGt, Tensor mask, IReadOnlyList<double> alphas, Tensor? valid = null, double? lengthPx = null)
    {
        CheckAlphas(alphas);
        if (flow.dim() != 3 || flow.size(0) != 2 || !flow.shape.SequenceEqual(flowGt.shape))
            throw new ArgumentException($"dense PCK: expected two [2,H,W] flows of one shape, got [{string.Join(",", flow.shape)}] and [{string.Join(",", flowGt.shape)}]");
        long h = flow.size(1), w = flow.size(2);
        foreach (var (m, name) in new[] { (mask, nameof(mask)), (valid, nameof(valid)) })
            if (m is not null && !m.shape.SequenceEqual(new[] { 1L, h, w }))
                throw new ArgumentException($"dense PCK: {name} must be [1,{h},{w}], got [{string.Join(",", m.shape)}]", name);
        double length = lengthPx ?? Math.Max(h, w);
        if (!(length > 0) || !double.IsFinite(length)) throw new ArgumentException($"dense PCK: L must be positive and finite, got {length}", nameof(lengthPx));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var err = (flow.to_type(ScalarType.Float64) - flowGt.to_type(ScalarType.Float64)).square().sum(0, keepdim: true).sqrt();
        var counted = mask.gt(0.5);
        if (valid is not null) counted = counted & valid.gt(0.5);
        double n = counted.sum().to_type(ScalarType.Float64).item<double>();
        var result = new double[alphas.Count];
        for (int k = 0; k < alphas.Count; k++)
            result[k] = n > 0 ? (err.le(alphas[k] * length) & counted).sum().to_type(ScalarType.Float64).item<double>() / n : double.NaN;
        return result;
    }

    /// <summary>
    /// The mean over pairs of per-pair PCK values (each an array over <paramref name="alphas"/>, as the functions above
    /// return). Pairs whose values are NaN (no keypoint, empty mask) are left out and counted in
    /// <see cref="PckMetrics.Skipped"/>.
    /// </summary>
    public static PckMetrics Mean(IEnumerable<double[]> perPair, IReadOnlyList<double> alphas, PckThreshold threshold)
    {
        CheckAlphas(alphas);
        var sums = new double[alphas.Count];
        int used = 0, skipped = 0, index = 0;
        foreach (var values in perPair)
        {
            if (values.Length != alphas.Count)
                throw new ArgumentException($"PCK: pair {index} has {values.Length} values, expected one per alpha ({alphas.Count})", nameof(perPair));
            index++;
            if (values.Any(double.IsNaN)) { skipped++; continue; }
            for (int k = 0; k < sums.Length; k++) sums[k] += values[k];
            used++;
        }
        return new PckMetrics(alphas.ToArray(), sums.Select(s => used > 0 ? s / used : double.NaN).ToArray(), used, skipped, threshold);
    }

    /// <summary>A <c>[N,2]</c> tensor as a <c>float[N,2]</c>; <see cref="ArgumentException"/> for another shape.</summary>
    public static float[,] ToArray(Tensor keypoints, string name = "keypoints")
    {
        if (keypoints.dim() != 2 || keypoints.size(1) != 2)
            throw new ArgumentException($"PCK: {name} must be [N,2] rows (x, y), got [{string.Join(",", keypoints.shape)}]", name);
        var a = new float[keypoints.size(0), 2];
        if (a.Length == 0) return a;
        using var flat = keypoints.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var v = flat.data<float>().ToArray();
        Buffer.BlockCopy(v, 0, a, 0, v.Length * sizeof(float));
        return a;
    }

    static float[,] Scale(float[,] k, float sx, float sy)
    {
        var s = new float[k.GetLength(0), 2];
        for (int i = 0; i < k.GetLength(0); i++) (s[i, 0], s[i, 1]) = (k[i, 0] * sx, k[i, 1] * sy);
        return s;
    }

    static void CheckShape(float[,] k, string name)
    {
        ArgumentNullException.ThrowIfNull(k, name);
        if (k.GetLength(1) != 2) throw new ArgumentException($"PCK: {name} must be [N,2] rows (x, y), got [{k.GetLength(0)},{k.GetLength(1)}]", name);
    }

    static void CheckGroundTruth(float[,] k, string name)
    {
        CheckShape(k, name);
        for (int i = 0; i < k.GetLength(0); i++)
            if (!float.IsFinite(k[i, 0]) || !float.IsFinite(k[i, 1]) || k[i, 0] == -1 || k[i, 1] == -1)
                throw new ArgumentException($"PCK: {name} row {i} is ({k[i, 0]}, {k[i, 1]}), not a valid keypoint: drop invalid keypoints " +
                    "(and their partners) before PCK, never pad them with −1 or NaN (DESIGN.md, keypoints)", name);
    }

    static void CheckAlphas(IReadOnlyList<double> alphas)
    {
        ArgumentNullException.ThrowIfNull(alphas);
        if (alphas.Count == 0 || alphas.Any(a => !(a > 0) || !double.IsFinite(a)))
            throw new ArgumentException($"PCK: alphas must be positive and finite, got [{string.Join(", ", alphas)}]", nameof(alphas));
    }
}

namespace DistillKit.Geometry;

/// <summary>
/// What bilinear warping (<see cref="Warping"/>) reads where a sample position leaves the source image. Positions are
/// in pixels with <c>align_corners = true</c> (pixel centres at integers, the image spans [0, W−1]×[0, H−1]). Inside
/// [0, W−1]×[0, H−1] <see cref="Zeros"/> and <see cref="Border"/> agree; <see cref="DdflowTfWarp"/> differs on the
/// last row and column too. Written by name in JSON.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<WarpPadding>))]
public enum WarpPadding
{
    /// <summary>
    /// The kit's default: bilinear over the four neighbouring pixels, a neighbour outside the image reads 0
    /// (<c>grid_sample</c> padding "zeros"); use the in-bounds mask of <see cref="Warping.Warp"/> to drop such pixels.
    /// </summary>
    Zeros,

    /// <summary>
    /// The sample position is clamped to [0, W−1]×[0, H−1] before bilinear interpolation, so positions outside read the
    /// nearest border value (<c>grid_sample</c> padding "border"; TensorFlow's <c>dense_image_warp</c> behaves so).
    /// No gradient reaches the flow through a clamped coordinate.
    /// </summary>
    Border,

    /// <summary>
    /// DDFlow's own <c>tf_warp</c> (warp.py of the official code), for reproducing it exactly: corner indices
    /// x0 = trunc(x) (towards zero), x1 = x0 + 1, each clipped to [0, W−1] (same for y), while the bilinear weights
    /// (x1 − x), (x − x0) use the unclipped x. In effect: bilinear for x in [0, W−1); a linear extrapolation from
    /// columns 0 and 1 for x in (−1, 0); 0 for x ≤ −1 and for x ≥ W − 1, so even the last column and row of a zero
    /// flow read 0. Neither zero nor border padding.
    /// </summary>
    DdflowTfWarp,
}

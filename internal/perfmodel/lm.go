package perfmodel

import "math"

// leastSquares minimises Σ r(x)² by Levenberg–Marquardt from x0, with a
// forward-difference Jacobian; project keeps x feasible after each step. The
// problems here have six unknowns, so the normal equations are solved directly.
func leastSquares(r func(x []float64) []float64, x0 []float64, project func([]float64)) []float64 {
	x := append([]float64(nil), x0...)
	project(x)
	res := r(x)
	cost := sumSquares(res)
	lambda := 1e-3
	k := len(x)
	for iter := 0; iter < 200; iter++ {
		jac := jacobian(r, x, res)
		a, g := normal(jac, res, k)
		improved := false
		for try := 0; try < 12 && !improved; try++ {
			m := make([][]float64, k)
			for i := range m {
				m[i] = append([]float64(nil), a[i]...)
				m[i][i] += lambda*a[i][i] + 1e-12
			}
			step, ok := solve(m, g)
			if !ok {
				lambda *= 4
				continue
			}
			xn := make([]float64, k)
			for i := range xn {
				xn[i] = x[i] - step[i]
			}
			project(xn)
			rn := r(xn)
			if cn := sumSquares(rn); cn < cost {
				done := cost-cn < 1e-12*(1+cost)
				x, res, cost, improved = xn, rn, cn, true
				lambda = max(lambda/3, 1e-9)
				if done {
					return x
				}
			} else {
				lambda *= 4
			}
		}
		if !improved {
			break
		}
	}
	return x
}

func sumSquares(r []float64) float64 {
	s := 0.0
	for _, v := range r {
		s += v * v
	}
	return s
}

// jacobian is ∂r/∂x by forward differences.
func jacobian(r func([]float64) []float64, x, r0 []float64) [][]float64 {
	jac := make([][]float64, len(r0))
	for i := range jac {
		jac[i] = make([]float64, len(x))
	}
	for j := range x {
		h := 1e-6 * max(1, math.Abs(x[j]))
		xp := append([]float64(nil), x...)
		xp[j] += h
		rp := r(xp)
		for i := range r0 {
			jac[i][j] = (rp[i] - r0[i]) / h
		}
	}
	return jac
}

// normal returns JᵀJ and Jᵀr.
func normal(jac [][]float64, res []float64, k int) ([][]float64, []float64) {
	a := make([][]float64, k)
	for i := range a {
		a[i] = make([]float64, k)
	}
	g := make([]float64, k)
	for n, row := range jac {
		for i := 0; i < k; i++ {
			g[i] += row[i] * res[n]
			for j := 0; j < k; j++ {
				a[i][j] += row[i] * row[j]
			}
		}
	}
	return a, g
}

// solve solves m·x = b by Gaussian elimination with partial pivoting.
func solve(m [][]float64, b []float64) ([]float64, bool) {
	k := len(b)
	b = append([]float64(nil), b...)
	for c := 0; c < k; c++ {
		p := c
		for r := c + 1; r < k; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-300 {
			return nil, false
		}
		m[c], m[p] = m[p], m[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < k; r++ {
			f := m[r][c] / m[c][c]
			for j := c; j < k; j++ {
				m[r][j] -= f * m[c][j]
			}
			b[r] -= f * b[c]
		}
	}
	x := make([]float64, k)
	for i := k - 1; i >= 0; i-- {
		s := b[i]
		for j := i + 1; j < k; j++ {
			s -= m[i][j] * x[j]
		}
		x[i] = s / m[i][i]
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, false
		}
	}
	return x, true
}

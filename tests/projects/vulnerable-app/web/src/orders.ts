import express from "express";
import { Pool } from "pg";

const pool = new Pool();
export const router = express.Router();

router.get("/orders/:id", async (req, res) => {
  const result = await pool.query(`SELECT * FROM orders WHERE id = ${req.params.id}`);
  res.json(result.rows);
});

router.get("/orders", async (req, res) => {
  const result = await pool.query("SELECT * FROM orders WHERE owner = $1", [req.query.owner]);
  res.json(result.rows);
});
